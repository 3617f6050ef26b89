package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"sinau/i18n"
	"sinau/models"
	"sinau/regions"
	"sinau/services"
)

// catalogFilter is the catalog's filter form as typed.
type catalogFilter struct {
	Pillar, Province, Regency, From, To, Q string
	Page                                   int
}

// dayStart reads a YYYY-MM-DD date as the start of that day in WIB, the zone
// most webinars use; the catalog's date filter is a day, not an instant.
func dayStart(s string) (*time.Time, bool) {
	if s == "" {
		return nil, true
	}
	t, err := time.ParseInLocation("2006-01-02", s, models.Location(regions.WIB.Name))
	if err != nil {
		return nil, false
	}
	return &t, true
}

func (a *App) catalog(c echo.Context) error {
	cf := catalogFilter{
		Pillar: c.QueryParam("pillar"), Province: c.QueryParam("province"), Regency: c.QueryParam("regency"),
		From: c.QueryParam("from"), To: c.QueryParam("to"), Q: c.QueryParam("q"),
	}
	cf.Page, _ = strconv.Atoi(c.QueryParam("page"))
	f := services.WebinarFilter{
		Statuses: []string{models.StatusPublished}, Pillar: cf.Pillar, ProvinceCode: cf.Province,
		RegencyCode: cf.Regency, Query: cf.Q, Page: cf.Page,
	}
	errs := map[string]string{}
	var ok bool
	if f.From, ok = dayStart(cf.From); !ok {
		errs["from"] = a.cat.T(lang(c), "err.date")
	}
	if f.To, ok = dayStart(cf.To); !ok {
		errs["to"] = a.cat.T(lang(c), "err.date")
	} else if f.To != nil {
		end := f.To.Add(24*time.Hour - time.Second)
		f.To = &end
	}
	if f.From == nil && f.To == nil {
		now := a.now()
		f.NotEndedAt = &now
	}
	var list []models.Webinar
	var total int64
	if len(errs) == 0 {
		var err error
		list, total, err = a.webinars.List(c.Request().Context(), f)
		if err != nil {
			fe, err := a.formErrors(c, err)
			if err != nil {
				return err
			}
			errs = fe
		}
	}
	p := a.page(c, a.cat.T(lang(c), "catalog.title"), map[string]any{
		"Webinars": list, "Total": total, "Pagination": newPagination(f.Page, f.PerPage, total),
	})
	p.Form, p.Errors = cf, errs
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return a.render(c, status, "public/catalog", p)
}

// pagination is the state of a page list.
type pagination struct {
	Page, Pages int
}

func newPagination(page, perPage int, total int64) pagination {
	if perPage <= 0 {
		perPage = services.DefaultPerPage
	}
	pages := int((total + int64(perPage) - 1) / int64(perPage))
	if page < 1 {
		page = 1
	}
	return pagination{Page: page, Pages: pages}
}

// Prev and Next are 0 when there is no such page.
func (p pagination) Prev() int {
	if p.Page > 1 {
		return p.Page - 1
	}
	return 0
}

// Next is the following page, 0 on the last.
func (p pagination) Next() int {
	if p.Page < p.Pages {
		return p.Page + 1
	}
	return 0
}

// pillarGroup is a pillar with the speakers who cover it.
type pillarGroup struct {
	Pillar  string
	Entries []models.LineupEntry
}

// groupLineup splits a line-up into the speakers by pillar and everyone else.
func groupLineup(w *models.Webinar) (groups []pillarGroup, others []models.LineupEntry) {
	byPillar := map[string][]models.LineupEntry{}
	for _, e := range w.Lineup {
		if e.Pillar != nil {
			byPillar[*e.Pillar] = append(byPillar[*e.Pillar], e)
		} else {
			others = append(others, e)
		}
	}
	for _, p := range models.Pillars {
		if len(byPillar[p]) > 0 {
			groups = append(groups, pillarGroup{Pillar: p, Entries: byPillar[p]})
		}
	}
	return groups, others
}

func (a *App) programmePage(c echo.Context) error {
	ctx := c.Request().Context()
	prog, err := a.programmes.BySlug(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	list, _, err := a.webinars.List(ctx, services.WebinarFilter{
		Statuses: []string{models.StatusPublished, models.StatusCompleted}, ProgrammeID: prog.ID, PerPage: services.MaxPerPage,
	})
	if err != nil {
		return err
	}
	p := a.page(c, prog.Name, map[string]any{"Programme": prog, "Webinars": list})
	return a.render(c, http.StatusOK, "public/programme", p)
}

// switchLanguage remembers the visitor's language for a year.
func (a *App) switchLanguage(c echo.Context) error {
	l := c.Param("lang")
	if !i18n.IsSupported(l) {
		return echo.ErrNotFound
	}
	c.SetCookie(&http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		Secure: a.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, localPath(c.QueryParam("next"), "/"))
}

package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sinau/i18n"
	"sinau/models"
	"sinau/regions"
	"sinau/services"
)

// views holds every page template, parsed once at start-up.
type views struct {
	pages       map[string]*template.Template
	staticHashs map[string]string
}

func loadViews(tfs, sfs fs.FS) (*views, error) {
	v := &views{pages: map[string]*template.Template{}, staticHashs: map[string]string{}}
	err := fs.WalkDir(sfs, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sfs, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v.staticHashs[p] = hex.EncodeToString(sum[:4])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	funcs := template.FuncMap{
		"static": v.staticURL,
		"add":    func(a, b int) int { return a + b },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
		"contact": services.ContactEmail,
		"deref": func(s *string) string {
			if s == nil {
				return ""
			}
			return *s
		},
		"pillars":      func() []string { return models.Pillars },
		"roles":        func() []string { return models.LineupRoles },
		"audiences":    func() []string { return models.Audiences },
		"platforms":    func() []string { return models.Platforms },
		"zones":        regions.Zones,
		"provinces":    regions.Provinces,
		"regencies":    regions.Regencies,
		"languages":    func() []string { return i18n.Supported },
		"genders":      func() []string { return models.Genders },
		"ageRanges":    func() []string { return models.AgeRanges },
		"occupations":  func() []string { return models.Occupations },
		"choices":      func(q models.Question) []string { return services.QuestionChoices(&q) },
		"list":         func(s ...string) []string { return s },
		"segmentKinds": func() []string { return models.SegmentKinds },
		"size": func(n int64) string {
			switch {
			case n >= 1<<20:
				return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
			case n >= 1<<10:
				return fmt.Sprintf("%d KB", n>>10)
			}
			return fmt.Sprintf("%d B", n)
		},
		"ctype":      func(ct string) string { return contentLabel[ct] },
		"deref_bool": func(p *bool) bool { return p != nil && *p },
		"deref_uint": func(p *uint) uint {
			if p == nil {
				return 0
			}
			return *p
		},
	}
	pages, err := fs.Glob(tfs, "pages/*/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "pages/"), ".html")
		t, err := template.New(path.Base(p)).Funcs(funcs).ParseFS(tfs, "layouts/*.html", "partials/*.html", p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", p, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// contentLabel names the accepted content types in the catalog (ctype.*).
var contentLabel = map[string]string{
	"application/pdf": "pdf", "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
	"application/vnd.ms-powerpoint": "ppt", "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx", "application/vnd.oasis.opendocument.presentation": "odp",
	"image/png": "png", "image/jpeg": "jpeg",
}

// staticURL adds the file's content hash, so browsers may cache it forever.
func (v *views) staticURL(p string) string {
	return "/static/" + p + "?v=" + v.staticHashs[p]
}

// Page is what every page template gets: the request's language, user, CSRF
// token and flash message, and the page's own data.
type Page struct {
	Lang   string
	Path   string
	User   *models.Organizer
	CSRF   string
	Flash  string
	Title  string
	Data   any
	Form   any
	Errors map[string]string
	// MailPaused is set on organizer pages while sending is paused.
	MailPaused string
	// UploadMaxMB is SINAU_UPLOAD_MAX_MB, for upload forms' hints.
	UploadMaxMB int
	cat         *i18n.Catalog
	now         time.Time
}

// T translates a catalog key into the page's language.
func (p *Page) T(key string, args ...any) string { return p.cat.T(p.Lang, key, args...) }

// When writes a webinar's date and time in its own zone with its label.
func (p *Page) When(w models.Webinar) string {
	z, _ := regions.ZoneByName(w.Timezone)
	return i18n.Range(p.Lang, w.StartsAt, w.EndsAt, w.Location(), z.Label)
}

// LocalWhen is the webinar's time in its regency's zone, with the regency's
// name, when that zone is not the one the webinar is scheduled in (a Papuan
// webinar run from Jakarta in WIB); empty otherwise.
func (p *Page) LocalWhen(w models.Webinar) string {
	r, ok := regions.RegencyByCode(w.RegencyCode)
	z := r.Zone()
	if !ok || z.Name == "" || z.Name == w.Timezone {
		return ""
	}
	return p.T("webinar.local_when", r.Name, i18n.Range(p.Lang, w.StartsAt, w.EndsAt, models.Location(z.Name), z.Label))
}

// Clock writes a time of day in the webinar's zone.
func (p *Page) Clock(w models.Webinar, t time.Time) string {
	return i18n.Clock(p.Lang, t.In(w.Location()))
}

// Day writes the date of t in the webinar's zone.
func (p *Page) Day(w models.Webinar, t time.Time) string {
	return i18n.Date(p.Lang, t.In(w.Location()))
}

// ZoneLabel is WIB, WITA or WIT.
func (p *Page) ZoneLabel(tz string) string {
	z, _ := regions.ZoneByName(tz)
	return z.Label
}

// Region names a regency with its province.
func (p *Page) Region(code string) string {
	r, ok := regions.RegencyByCode(code)
	if !ok {
		return code
	}
	prov, _ := regions.ProvinceByCode(r.ProvinceCode)
	return r.Name + ", " + prov.Name
}

// Started reports whether the webinar has begun.
func (p *Page) Started(w models.Webinar) bool { return !p.now.Before(w.StartsAt) }

// Ended reports whether the webinar is over.
func (p *Page) Ended(w models.Webinar) bool { return !p.now.Before(w.EndsAt) }

// Query builds a URL query from key/value pairs, dropping empty values.
func (p *Page) Query(kv ...any) template.URL { return queryString(kv...) }

func queryString(kv ...any) template.URL {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if s := fmt.Sprint(kv[i+1]); s != "" && s != "0" {
			q.Set(kv[i].(string), s)
		}
	}
	return template.URL(q.Encode())
}

func (a *App) page(c echo.Context, title string, data any) *Page {
	p := &Page{
		Lang: lang(c), Path: returnPath(c), User: currentUser(c), Title: title, Data: data,
		UploadMaxMB: a.cfg.UploadMaxMB, cat: a.cat, now: a.now(),
	}
	if tok, ok := c.Get("csrf").(string); ok {
		p.CSRF = tok
	}
	p.Flash = a.takeFlash(c)
	if p.User != nil {
		if st, err := a.mailLog.State(c.Request().Context()); err == nil && st.PausedAt != nil {
			p.MailPaused = st.Reason
		}
	}
	return p
}

// returnPath is where the language switch comes back to: the page itself,
// or for a page answering a POST (a form shown again with errors) the page
// the form was on, since the POST's URL may not answer a GET.
func returnPath(c echo.Context) string {
	r := c.Request()
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && strings.HasPrefix(ref.Path, "/") {
		return ref.RequestURI()
	}
	return "/"
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func (a *App) render(c echo.Context, status int, name string, p *Page) error {
	t, ok := a.views.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

const flashCookie = "sinau_flash"

// flash stores a catalog key to show on the next page. Only keys are kept,
// never user text, so the cookie cannot inject content.
func (a *App) flash(c echo.Context, key string) {
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: key, Path: "/", HttpOnly: true, Secure: a.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func (a *App) takeFlash(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return ""
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: a.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
	if !strings.HasPrefix(ck.Value, "flash.") || !a.cat.Has(ck.Value) {
		return ""
	}
	return a.cat.T(lang(c), ck.Value)
}

package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sinau/models"
	"sinau/regions"
	"sinau/services"
)

// decodeJSON reads a JSON object into dst. Syntax errors are malformed
// (400); a value of the wrong type is an invalid field (422); keys outside
// allowed are refused (422) so a typo never silently does nothing. An
// allowed key "person.name" allows "person" and, inside it, only the keys
// listed that way.
func decodeJSON(c echo.Context, dst any, allowed ...string) (map[string]json.RawMessage, error) {
	if mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON {
		return nil, echo.NewHTTPError(http.StatusUnsupportedMediaType)
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return nil, he
		}
		return nil, &malformed{reason: "unreadable body"}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, &malformed{reason: "body is not a JSON object"}
	}
	ok := map[string]bool{}
	nested := map[string][]string{}
	for _, k := range allowed {
		top, sub, dotted := strings.Cut(k, ".")
		ok[top] = true
		if dotted {
			nested[top] = append(nested[top], sub)
		}
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !ok[k] {
			return nil, services.Invalid(k, "unknown_field")
		}
		if subs, has := nested[k]; has {
			if err := nestedKeys(raw, k, subs...); err != nil {
				return nil, err
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, services.Invalid(te.Field, "type")
		}
		if name, found := strings.CutPrefix(err.Error(), "json: unknown field "); found {
			return nil, services.Invalid(strings.Trim(name, `"`), "unknown_field")
		}
		return nil, &malformed{reason: "invalid JSON"}
	}
	return raw, nil
}

func (a *App) apiCreateToken(c echo.Context) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Name     string `json:"name"`
	}
	if _, err := decodeJSON(c, &in, "email", "password", "name"); err != nil {
		return err
	}
	token, t, err := a.accounts.IssueAPIToken(c.Request().Context(), in.Email, in.Password, in.Name)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, map[string]any{"token": token, "id": t.ID})
}

func (a *App) apiRevokeCurrentToken(c echo.Context) error {
	_, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
	_, t, err := a.accounts.TokenOrganizer(c.Request().Context(), token)
	if err != nil {
		return err
	}
	if err := a.accounts.RevokeAPIToken(c.Request().Context(), t.OrganizerID, t.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *App) apiPillars(c echo.Context) error {
	type pillar struct {
		Code string `json:"code"`
		ID   string `json:"name_id"`
		EN   string `json:"name_en"`
	}
	out := []pillar{}
	for _, p := range models.Pillars {
		out = append(out, pillar{Code: p, ID: a.cat.T("id", "pillar."+p), EN: a.cat.T("en", "pillar."+p)})
	}
	return c.JSON(http.StatusOK, out)
}

func (a *App) apiProvinces(c echo.Context) error {
	type province struct {
		Code     string `json:"code"`
		Name     string `json:"name"`
		Timezone string `json:"timezone"`
	}
	out := []province{}
	for _, p := range regions.Provinces() {
		out = append(out, province{Code: p.Code, Name: p.Name, Timezone: p.Zone.Name})
	}
	return c.JSON(http.StatusOK, out)
}

func (a *App) apiRegencies(c echo.Context) error {
	p, ok := regions.ProvinceByCode(c.Param("code"))
	if !ok {
		return models.ErrNotFound
	}
	type regency struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	out := []regency{}
	for _, r := range regions.Regencies(p.Code) {
		out = append(out, regency{Code: r.Code, Name: r.Name})
	}
	return c.JSON(http.StatusOK, out)
}

// nestedKeys refuses unknown keys inside an object field, naming them by
// their path (person.whatsapp).
func nestedKeys(raw map[string]json.RawMessage, field string, allowed ...string) error {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw[field], &obj) != nil {
		return nil
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return services.Invalid(field+"."+k, "unknown_field")
		}
	}
	return nil
}

// webinarJSON is a webinar as the API shows it. JoinURL is filled for
// organizers only.
type webinarJSON struct {
	ID              uint         `json:"id"`
	Slug            string       `json:"slug"`
	URL             string       `json:"url"`
	Title           string       `json:"title"`
	Description     string       `json:"description"`
	StartsAt        string       `json:"starts_at"`
	EndsAt          string       `json:"ends_at"`
	DurationMinutes int          `json:"duration_minutes"`
	Timezone        string       `json:"timezone"`
	TimezoneLabel   string       `json:"timezone_label"`
	RegencyCode     string       `json:"regency_code"`
	RegencyName     string       `json:"regency_name"`
	RegencyTimezone string       `json:"regency_timezone"`
	ProvinceCode    string       `json:"province_code"`
	ProvinceName    string       `json:"province_name"`
	Audience        string       `json:"audience"`
	Platform        string       `json:"platform"`
	JoinURL         *string      `json:"join_url,omitempty"`
	Venue           string       `json:"venue"`
	Capacity        int          `json:"capacity"`
	Status          string       `json:"status"`
	ProgrammeID     *uint        `json:"programme_id"`
	Pillars         []string     `json:"pillars"`
	Lineup          []lineupJSON `json:"lineup"`
	ReminderOffsets *[]string    `json:"reminder_offsets,omitempty"`
	FollowupDelay   *int         `json:"followup_delay_minutes,omitempty"`
}

type lineupJSON struct {
	ID     uint       `json:"id"`
	Role   string     `json:"role"`
	Pillar *string    `json:"pillar"`
	Topic  string     `json:"topic"`
	Order  int        `json:"order"`
	Person personJSON `json:"person"`
}

type personJSON struct {
	ID          uint    `json:"id"`
	Name        string  `json:"name"`
	Email       *string `json:"email,omitempty"`
	Affiliation string  `json:"affiliation"`
	Title       string  `json:"title"`
}

const apiTime = "2006-01-02T15:04:05Z"

func (a *App) webinarToJSON(w *models.Webinar, organizer bool) webinarJSON {
	z, _ := regions.ZoneByName(w.Timezone)
	r, _ := regions.RegencyByCode(w.RegencyCode)
	p, _ := regions.ProvinceByCode(w.ProvinceCode)
	out := webinarJSON{
		ID: w.ID, Slug: w.Slug, URL: a.cfg.BaseURL.String() + "/webinars/" + w.Slug, Title: w.Title, Description: w.Description,
		StartsAt: w.StartsAt.UTC().Format(apiTime), EndsAt: w.EndsAt.UTC().Format(apiTime), DurationMinutes: w.DurationMinutes,
		Timezone: w.Timezone, TimezoneLabel: z.Label, RegencyCode: w.RegencyCode, RegencyName: r.Name, RegencyTimezone: r.Zone().Name,
		ProvinceCode: w.ProvinceCode, ProvinceName: p.Name, Audience: w.Audience, Platform: w.Platform, Venue: w.Venue,
		Capacity: w.Capacity, Status: w.Status, ProgrammeID: w.ProgrammeID, Pillars: w.PillarCodes(), Lineup: []lineupJSON{},
	}
	if organizer {
		join := w.JoinURL
		out.JoinURL = &join
		f := services.FieldsOf(w)
		out.ReminderOffsets, out.FollowupDelay = &f.ReminderOffsets, &f.FollowupDelayMinutes
	}
	for _, e := range w.Lineup {
		out.Lineup = append(out.Lineup, lineupToJSON(&e, organizer))
	}
	return out
}

func lineupToJSON(e *models.LineupEntry, organizer bool) lineupJSON {
	out := lineupJSON{ID: e.ID, Role: e.Role, Pillar: e.Pillar, Topic: e.Topic, Order: e.Position,
		Person: personJSON{ID: e.Person.ID, Name: e.Person.Name, Affiliation: e.Person.Affiliation, Title: e.Person.Title}}
	if organizer {
		out.Person.Email = e.Person.Email
	}
	return out
}

// parseAPITime reads RFC 3339 with an offset, or a plain date as that whole
// day in WIB: its start for "from", its end for "to".
func parseAPITime(field, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	if t, ok := dayStart(s); ok && t != nil {
		if field == "to" {
			end := t.Add(24*time.Hour - time.Second)
			return &end, nil
		}
		return t, nil
	}
	return nil, services.Invalid(field, "datetime")
}

// pageParams reads the page (default 1) and per_page (default def) of a
// list request.
func pageParams(q url.Values, def int) (page, perPage int, err error) {
	page, perPage = 1, def
	if s := q.Get("page"); s != "" {
		if page, err = strconv.Atoi(s); err != nil || page < 1 {
			return 0, 0, services.Invalid("page", "positive")
		}
	}
	if s := q.Get("per_page"); s != "" {
		if perPage, err = strconv.Atoi(s); err != nil || perPage < 1 || perPage > services.MaxPerPage {
			return 0, 0, services.Invalid("per_page", "range", 1, services.MaxPerPage)
		}
	}
	return page, perPage, nil
}

func (a *App) apiListWebinars(c echo.Context) error {
	q := c.QueryParams()
	page, perPage, err := pageParams(q, 0)
	if err != nil {
		return err
	}
	f := services.WebinarFilter{Pillar: q.Get("pillar"), RegencyCode: q.Get("regency"), ProvinceCode: q.Get("province"),
		Query: q.Get("q"), Page: page, PerPage: perPage}
	if f.From, err = parseAPITime("from", q.Get("from")); err != nil {
		return err
	}
	if f.To, err = parseAPITime("to", q.Get("to")); err != nil {
		return err
	}
	organizer := currentUser(c) != nil
	if !organizer {
		f.Statuses = []string{models.StatusPublished}
	} else if s := q.Get("status"); s != "" {
		f.Statuses = strings.Split(s, ",")
		for _, st := range f.Statuses {
			if !slices.Contains([]string{models.StatusDraft, models.StatusPublished, models.StatusCompleted, models.StatusCancelled}, st) {
				return services.Invalid("status", "unknown")
			}
		}
	}
	if err := f.Normalize(); err != nil {
		return err
	}
	list, total, err := a.webinars.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	items := make([]webinarJSON, 0, len(list))
	for i := range list {
		items = append(items, a.webinarToJSON(&list[i], organizer))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "total": total, "page": f.Page, "per_page": f.PerPage})
}

func (a *App) apiGetWebinar(c echo.Context) error {
	w, organizer, err := a.loadVisibleWebinar(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.webinarToJSON(w, organizer))
}

// webinarInput is the JSON body of create and update; pointers tell a
// missing key from a zero value.
type webinarInput struct {
	Title           *string   `json:"title"`
	Description     *string   `json:"description"`
	StartsAt        *string   `json:"starts_at"`
	DurationMinutes *int      `json:"duration_minutes"`
	Timezone        *string   `json:"timezone"`
	RegencyCode     *string   `json:"regency_code"`
	Audience        *string   `json:"audience"`
	Platform        *string   `json:"platform"`
	JoinURL         *string   `json:"join_url"`
	Venue           *string   `json:"venue"`
	Capacity        *int      `json:"capacity"`
	ProgrammeID     *uint     `json:"programme_id"`
	Status          *string   `json:"status"`
	ReminderOffsets *[]string `json:"reminder_offsets"`
	FollowupDelay   *int      `json:"followup_delay_minutes"`
}

var webinarKeys = []string{"title", "description", "starts_at", "duration_minutes", "timezone", "regency_code",
	"audience", "platform", "join_url", "venue", "capacity", "programme_id", "status", "reminder_offsets", "followup_delay_minutes"}

// apply writes the present keys onto f. A starts_at without an offset is
// refused: an instant must say which zone it is in.
func (in *webinarInput) apply(f *services.WebinarFields, raw map[string]json.RawMessage) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&f.Title, in.Title)
	set(&f.Description, in.Description)
	set(&f.Timezone, in.Timezone)
	set(&f.RegencyCode, in.RegencyCode)
	set(&f.Audience, in.Audience)
	set(&f.Platform, in.Platform)
	set(&f.JoinURL, in.JoinURL)
	set(&f.Venue, in.Venue)
	if in.DurationMinutes != nil {
		f.DurationMinutes = *in.DurationMinutes
	}
	if in.Capacity != nil {
		f.Capacity = *in.Capacity
	}
	if in.ReminderOffsets != nil {
		f.ReminderOffsets = *in.ReminderOffsets
		if f.ReminderOffsets == nil {
			f.ReminderOffsets = []string{}
		}
	}
	if in.FollowupDelay != nil {
		f.FollowupDelayMinutes = *in.FollowupDelay
	}
	if _, ok := raw["programme_id"]; ok {
		f.ProgrammeID = in.ProgrammeID
	}
	if in.StartsAt != nil {
		t, err := time.Parse(time.RFC3339, *in.StartsAt)
		if err != nil {
			return services.Invalid("starts_at", "rfc3339")
		}
		f.StartsAt = t
	}
	return nil
}

func (a *App) apiCreateWebinar(c echo.Context) error {
	var in webinarInput
	raw, err := decodeJSON(c, &in, webinarKeys...)
	if err != nil {
		return err
	}
	f := services.WebinarFields{FollowupDelayMinutes: services.DefaultFollowupDelay}
	if err := in.apply(&f, raw); err != nil {
		return err
	}
	if in.Status != nil && *in.Status != models.StatusDraft && *in.Status != models.StatusPublished {
		return services.Invalid("status", "create_status")
	}
	ctx := c.Request().Context()
	w, err := a.webinars.Create(ctx, currentUser(c), f)
	if err != nil {
		return err
	}
	if in.Status != nil && *in.Status == models.StatusPublished {
		if w, err = a.webinars.SetStatus(ctx, w.ID, models.StatusPublished); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusCreated, a.webinarToJSON(w, true))
}

func (a *App) apiUpdateWebinar(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	var in webinarInput
	raw, err := decodeJSON(c, &in, webinarKeys...)
	if err != nil {
		return err
	}
	var fields *services.WebinarFields
	if len(raw) > 1 || (len(raw) == 1 && in.Status == nil) {
		f := services.FieldsOf(w)
		if err := in.apply(&f, raw); err != nil {
			return err
		}
		fields = &f
	}
	status := ""
	if in.Status != nil {
		status = *in.Status
		if status == "" {
			return services.Invalid("status", "required")
		}
	}
	if w, err = a.webinars.Patch(c.Request().Context(), w.ID, fields, status); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.webinarToJSON(w, true))
}

func (a *App) apiAddLineupEntry(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Role     string  `json:"role"`
		Pillar   *string `json:"pillar"`
		Topic    string  `json:"topic"`
		Order    *int    `json:"order"`
		PersonID uint    `json:"person_id"`
		Person   struct {
			Name        string `json:"name"`
			Email       string `json:"email"`
			Affiliation string `json:"affiliation"`
			Title       string `json:"title"`
			Phone       string `json:"phone"`
			Bio         string `json:"bio"`
		} `json:"person"`
	}
	if _, err := decodeJSON(c, &in, "role", "pillar", "topic", "order", "person_id", "person.name", "person.email",
		"person.affiliation", "person.title", "person.phone", "person.bio"); err != nil {
		return err
	}
	li := services.LineupInput{Role: in.Role, Topic: in.Topic, Position: in.Order, PersonID: in.PersonID,
		Person: services.PersonInput{Name: in.Person.Name, Email: in.Person.Email, Affiliation: in.Person.Affiliation,
			Title: in.Person.Title, Phone: in.Person.Phone, Bio: in.Person.Bio}}
	if in.Pillar != nil {
		li.Pillar = *in.Pillar
	}
	e, err := a.webinars.AddLineupEntry(c.Request().Context(), id, li)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, lineupToJSON(e, true))
}

func (a *App) apiRemoveLineupEntry(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	entryID, err := idParam(c, "entry")
	if err != nil {
		return err
	}
	if err := a.webinars.RemoveLineupEntry(c.Request().Context(), id, entryID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

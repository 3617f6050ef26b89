package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"sinau/models"
	"sinau/services"
)

type registrationJSON struct {
	ID               uint           `json:"id"`
	WebinarID        uint           `json:"webinar_id"`
	Status           string         `json:"status"`
	WaitlistPosition *int           `json:"waitlist_position,omitempty"`
	Name             string         `json:"name"`
	Email            string         `json:"email"`
	Phone            string         `json:"phone"`
	Gender           string         `json:"gender"`
	AgeRange         string         `json:"age_range"`
	Occupation       string         `json:"occupation"`
	Organisation     string         `json:"organisation"`
	RegencyCode      string         `json:"regency_code"`
	Answers          map[string]any `json:"answers"`
	ChannelID        *uint          `json:"channel_id"`
	Source           string         `json:"source"`
	CreatedAt        string         `json:"created_at"`
}

func registrationToJSON(r *models.Registration) registrationJSON {
	return registrationJSON{ID: r.ID, WebinarID: r.WebinarID, Status: r.Status, Name: r.Name, Email: services.ContactEmail(r.Email), Phone: r.Phone,
		Gender: r.Gender, AgeRange: r.AgeRange, Occupation: r.Occupation, Organisation: r.Organisation, RegencyCode: r.RegencyCode,
		Answers: services.DecodeAnswers(r.Answers), ChannelID: r.ChannelID, Source: r.Source, CreatedAt: r.CreatedAt.UTC().Format(apiTime)}
}

// apiRegister is the public registration endpoint. Its answer tells the
// caller their status and nothing about anyone else.
func (a *App) apiRegister(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Name         string         `json:"name"`
		Email        string         `json:"email"`
		Phone        string         `json:"phone"`
		Gender       string         `json:"gender"`
		AgeRange     string         `json:"age_range"`
		Occupation   string         `json:"occupation"`
		Organisation string         `json:"organisation"`
		RegencyCode  string         `json:"regency_code"`
		Answers      map[string]any `json:"answers"`
		Consent      bool           `json:"consent"`
		Ref          string         `json:"ref"`
	}
	if _, err := decodeJSON(c, &in, "name", "email", "phone", "gender", "age_range", "occupation", "organisation",
		"regency_code", "answers", "consent", "ref"); err != nil {
		return err
	}
	res, err := a.regs.Register(c.Request().Context(), id, services.RegistrationInput{Name: in.Name, Email: in.Email, Phone: in.Phone,
		Gender: in.Gender, AgeRange: in.AgeRange, Occupation: in.Occupation, Organisation: in.Organisation, RegencyCode: in.RegencyCode,
		Answers: in.Answers, Consent: in.Consent, Ref: in.Ref, Lang: lang(c), Source: "api"})
	if err != nil {
		return err
	}
	a.mailQueued()
	if res.Already {
		return services.ErrAlreadyRegistered
	}
	out := map[string]any{"id": res.Registration.ID, "status": res.Registration.Status, "waitlist_position": nil}
	if res.Position > 0 {
		out["waitlist_position"] = res.Position
	}
	return c.JSON(http.StatusCreated, out)
}

func (a *App) apiListRegistrations(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	page, perPage, err := pageParams(q, 50)
	if err != nil {
		return err
	}
	f := services.RegistrationFilter{WebinarID: w.ID, Status: q.Get("status"), Query: q.Get("q"), RegencyCode: q.Get("regency"), Page: page, PerPage: perPage}
	if s := q.Get("channel"); s != "" {
		var ch *models.Channel
		chans, err := a.channels.List(c.Request().Context(), w.ID)
		if err != nil {
			return err
		}
		for i := range chans {
			if chans[i].Code == s || strconv.FormatUint(uint64(chans[i].ID), 10) == s {
				ch = &chans[i].Channel
			}
		}
		if ch == nil {
			return services.Invalid("channel", "unknown")
		}
		f.ChannelID = ch.ID
	}
	list, total, err := a.regs.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	items := make([]registrationJSON, 0, len(list))
	for i := range list {
		items = append(items, registrationToJSON(&list[i]))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "total": total, "page": page, "per_page": perPage})
}

func (a *App) apiCancelRegistration(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := a.regs.Cancel(c.Request().Context(), id)
	if err != nil {
		return err
	}
	a.mailQueued()
	return c.JSON(http.StatusOK, registrationToJSON(r))
}

type channelJSON struct {
	ID            uint   `json:"id"`
	Code          string `json:"code"`
	Name          string `json:"name"`
	URL           string `json:"url"`
	Clicks        int    `json:"clicks"`
	Registrations int    `json:"registrations"`
}

func (a *App) apiCreateChannel(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if _, err := decodeJSON(c, &in, "name"); err != nil {
		return err
	}
	ch, err := a.channels.Create(c.Request().Context(), id, in.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, channelJSON{ID: ch.ID, Code: ch.Code, Name: ch.Name, URL: a.cfg.BaseURL.String() + "/r/" + ch.Code})
}

func (a *App) apiListChannels(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	chans, err := a.channels.List(c.Request().Context(), w.ID)
	if err != nil {
		return err
	}
	out := make([]channelJSON, 0, len(chans))
	for _, ch := range chans {
		out = append(out, channelJSON{ID: ch.ID, Code: ch.Code, Name: ch.Name, URL: a.cfg.BaseURL.String() + "/r/" + ch.Code,
			Clicks: ch.Clicks, Registrations: ch.Registrations})
	}
	return c.JSON(http.StatusOK, out)
}

// apiRegistrationForm tells a client what a webinar's registration asks:
// which optional fields are shown or required, the custom questions with
// their ids and choices, and whether registration is open.
func (a *App) apiRegistrationForm(c echo.Context) error {
	w, _, err := a.loadVisibleWebinar(c)
	if err != nil {
		return err
	}
	form, err := a.regs.Form(c.Request().Context(), w)
	if err != nil {
		return err
	}
	type question struct {
		ID       uint     `json:"id"`
		Kind     string   `json:"kind"`
		Label    string   `json:"label"`
		Choices  []string `json:"choices"`
		Required bool     `json:"required"`
	}
	qs := []question{}
	for _, q := range form.Questions {
		qs = append(qs, question{ID: q.ID, Kind: q.Kind, Label: q.Label, Choices: services.QuestionChoices(&q), Required: q.Required})
	}
	var deadline *string
	if w.RegistrationDeadline != nil {
		s := w.RegistrationDeadline.UTC().Format(apiTime)
		deadline = &s
	}
	var left *int
	if w.Capacity > 0 {
		n := max(0, w.Capacity-w.RegisteredCount)
		left = &n
	}
	return c.JSON(http.StatusOK, map[string]any{"open": form.Open, "deadline": deadline, "fields": form.Config,
		"questions": qs, "places_left": left, "waitlist": w.WaitlistCount})
}

package services

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"sinau/models"
	"sinau/regions"
)

// Limits on webinar fields.
const (
	MaxTitle       = 200
	MaxDescription = 5000
	MaxVenue       = 300
	MaxURL         = 500
	MaxCapacity    = 100000
	MaxDuration    = 24 * 60
	DefaultPerPage = 12
	MaxPerPage     = 100
)

// DefaultThreshold is the share of the actual duration, in percent, that
// counts as having attended.
const DefaultThreshold = 70

// Defaults of a new webinar's materials quota and speaker reminder.
const (
	DefaultQuotaMB             = 500
	DefaultSpeakerReminderDays = 3
)

// DefaultFollowupDelay is how long after the end follow-ups wait, in minutes.
const DefaultFollowupDelay = 120

// Webinars schedules and publishes webinars and edits their line-ups.
type Webinars struct {
	db     *models.DB
	now    func() time.Time
	outbox Outbox
}

// NewWebinars builds the webinar service; domain names the host in the
// Message-IDs of mail its changes cause.
func NewWebinars(db *models.DB, now func() time.Time, domain string) *Webinars {
	return &Webinars{db: db, now: now, outbox: Outbox{Domain: domain}}
}

// WebinarFields are the editable fields of a webinar. StartsAt is an instant;
// the zero time means it was missing or unreadable.
type WebinarFields struct {
	Title           string
	Description     string
	StartsAt        time.Time
	DurationMinutes int
	Timezone        string
	RegencyCode     string
	Audience        string
	Platform        string
	JoinURL         string
	Venue           string
	Capacity        int
	ProgrammeID     *uint
	// ReminderOffsets are Go durations before the start; nil means the
	// defaults (72h, 24h, 1h), empty means no reminders.
	ReminderOffsets []string
	// FollowupDelayMinutes is how long after the end follow-ups wait.
	FollowupDelayMinutes int

	offsets []time.Duration
}

// FieldsOf returns a webinar's current fields, the base a partial update
// changes.
func FieldsOf(w *models.Webinar) WebinarFields {
	return WebinarFields{
		Title: w.Title, Description: w.Description, StartsAt: w.StartsAt, DurationMinutes: w.DurationMinutes,
		Timezone: w.Timezone, RegencyCode: w.RegencyCode, Audience: w.Audience, Platform: w.Platform,
		JoinURL: w.JoinURL, Venue: w.Venue, Capacity: w.Capacity, ProgrammeID: w.ProgrammeID,
		ReminderOffsets: offsetStrings(OffsetsOf(w)), FollowupDelayMinutes: w.FollowupDelayMinutes,
	}
}

func offsetStrings(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = FormatOffset(d)
	}
	return out
}

// ZoneNames are the time zones a webinar can be held in.
func ZoneNames() []string {
	var out []string
	for _, z := range regions.Zones() {
		out = append(out, z.Name)
	}
	return out
}

func (s *Webinars) validate(ctx context.Context, f *WebinarFields) error {
	f.Title = strings.TrimSpace(f.Title)
	f.Description = strings.TrimSpace(f.Description)
	f.JoinURL = strings.TrimSpace(f.JoinURL)
	f.Venue = strings.TrimSpace(f.Venue)
	v := &validator{}
	v.text("title", f.Title, true, MaxTitle)
	v.text("description", f.Description, false, MaxDescription)
	if f.StartsAt.IsZero() {
		v.add("starts_at", "required")
	} else if y := f.StartsAt.Year(); y < 2000 || y > 2200 {
		v.add("starts_at", "invalid")
	}
	switch {
	case f.DurationMinutes <= 0:
		v.add("duration_minutes", "positive")
	case f.DurationMinutes > MaxDuration:
		v.add("duration_minutes", "max", MaxDuration)
	}
	v.oneOf("timezone", f.Timezone, ZoneNames())
	if f.RegencyCode == "" {
		v.add("regency_code", "required")
	} else if code, ok := regions.NormalizeRegencyCode(f.RegencyCode); ok {
		f.RegencyCode = code
	} else {
		v.add("regency_code", "unknown")
	}
	v.oneOf("audience", f.Audience, models.Audiences)
	v.oneOf("platform", f.Platform, models.Platforms)
	v.httpURL("join_url", f.JoinURL, MaxURL)
	v.text("venue", f.Venue, false, MaxVenue)
	if !v.has("platform") && (f.Platform == "in_person" || f.Platform == "hybrid") && f.Venue == "" {
		v.add("venue", "required")
	}
	switch {
	case f.Capacity < 0:
		v.add("capacity", "not_negative")
	case f.Capacity > MaxCapacity:
		v.add("capacity", "max", MaxCapacity)
	}
	if f.ReminderOffsets == nil {
		f.ReminderOffsets = DefaultReminderOffsets
	}
	offsets, err := ParseOffsets(f.ReminderOffsets)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			for field, fe := range ve.Fields {
				v.add(field, fe.Code, fe.Args...)
			}
		}
	}
	f.offsets = offsets
	if f.FollowupDelayMinutes < 0 || f.FollowupDelayMinutes > 7*24*60 {
		v.add("followup_delay_minutes", "range", 0, 7*24*60)
	}
	if f.ProgrammeID != nil {
		var n int64
		if err := s.db.R.WithContext(ctx).Model(&models.Programme{}).Where("id = ?", *f.ProgrammeID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			v.add("programme_id", "unknown")
		}
	}
	return v.err()
}

func (f *WebinarFields) apply(w *models.Webinar) {
	w.Title = f.Title
	w.Description = f.Description
	w.StartsAt = f.StartsAt.UTC().Truncate(time.Second)
	w.DurationMinutes = f.DurationMinutes
	w.EndsAt = w.StartsAt.Add(time.Duration(f.DurationMinutes) * time.Minute)
	w.Timezone = f.Timezone
	w.RegencyCode = f.RegencyCode
	w.ProvinceCode = f.RegencyCode[:2]
	w.Audience = f.Audience
	w.Platform = f.Platform
	w.JoinURL = f.JoinURL
	w.Venue = f.Venue
	w.Capacity = f.Capacity
	w.ProgrammeID = f.ProgrammeID
	w.ReminderOffsets = EncodeOffsets(f.offsets)
	w.FollowupDelayMinutes = f.FollowupDelayMinutes
}

// Create saves a new draft webinar.
func (s *Webinars) Create(ctx context.Context, actor *models.Organizer, f WebinarFields) (*models.Webinar, error) {
	return s.create(ctx, actor, f, Slugify(f.Title, 60)+"-"+shortCode(6))
}

func (s *Webinars) create(ctx context.Context, actor *models.Organizer, f WebinarFields, slug string) (*models.Webinar, error) {
	if err := s.validate(ctx, &f); err != nil {
		return nil, err
	}
	w := &models.Webinar{Status: models.StatusDraft, Slug: slug, CreatedByID: &actor.ID, WaitlistNext: 1, AttendanceThreshold: DefaultThreshold,
		MaterialsQuotaMB: DefaultQuotaMB, SpeakerReminderDays: DefaultSpeakerReminderDays}
	f.apply(w)
	if err := s.db.W.WithContext(ctx).Omit("Lineup", "Programme").Create(w).Error; err != nil {
		return nil, wrap("create webinar", err)
	}
	return w, nil
}

// Update replaces a webinar's fields. A change of time, place or link
// raises the calendar SEQUENCE so calendar apps replace the old entry.
func (s *Webinars) Update(ctx context.Context, id uint, f WebinarFields) (*models.Webinar, error) {
	return s.Patch(ctx, id, &f, "")
}

// Patch changes fields (when f is not nil) and the status (when not empty)
// in one transaction: either both apply or neither does.
func (s *Webinars) Patch(ctx context.Context, id uint, f *WebinarFields, status string) (*models.Webinar, error) {
	v := &validator{}
	if status != "" {
		v.oneOf("status", status, []string{models.StatusDraft, models.StatusPublished, models.StatusCompleted, models.StatusCancelled})
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if f != nil {
		if err := s.validate(ctx, f); err != nil {
			return nil, err
		}
	}
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var w models.Webinar
		if err := tx.First(&w, id).Error; err != nil {
			return notFound(err)
		}
		now := s.now()
		if f != nil {
			if w.Status == models.StatusCancelled || w.Status == models.StatusCompleted {
				return &ConflictError{Code: "webinar_closed"}
			}
			before := w
			f.apply(&w)
			timeChanged := !before.StartsAt.Equal(w.StartsAt) || before.DurationMinutes != w.DurationMinutes || before.Timezone != w.Timezone
			placeChanged := before.JoinURL != w.JoinURL || before.Venue != w.Venue || before.Platform != w.Platform
			if timeChanged || placeChanged || before.Title != w.Title {
				w.Sequence++
			}
			if err := tx.Omit("Lineup", "Programme", "CreatedAt", "RegisteredCount", "WaitlistCount", "WaitlistNext", "FormFields",
				"RegistrationDeadline", "AttendanceKnownAt", "FollowupsSentAt", "AttendanceThreshold", "CodeCounts", "ActualMinutes",
				"MaterialsQuotaMB", "SpeakerReminderDays").Save(&w).Error; err != nil {
				return err
			}
			if w.Status == models.StatusPublished && (timeChanged || placeChanged) {
				data := map[string]any{"time": timeChanged, "place": placeChanged}
				if timeChanged {
					data["old_start"] = before.StartsAt.UTC().Format(time.RFC3339)
					data["old_end"] = before.EndsAt.UTC().Format(time.RFC3339)
				}
				if err := noticeChange(tx, s.outbox, &w, KindChanged, data, now, timeChanged); err != nil {
					return err
				}
			}
			if before.Capacity != w.Capacity {
				if _, err := promoteWaitlisted(tx, s.outbox, now, w.ID); err != nil {
					return err
				}
			}
		}
		if status != "" && status != w.Status {
			return s.setStatus(tx, &w, status, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// transitions lists the statuses a webinar may move to from each status.
var transitions = map[string][]string{
	models.StatusDraft:     {models.StatusPublished, models.StatusCancelled},
	models.StatusPublished: {models.StatusCompleted, models.StatusCancelled},
}

// checkTransition tells whether a webinar may move to status now.
func checkTransition(w *models.Webinar, status string, now time.Time) error {
	allowed := false
	for _, to := range transitions[w.Status] {
		allowed = allowed || to == status
	}
	if !allowed {
		return &ConflictError{Code: "invalid_transition"}
	}
	if status == models.StatusCompleted && now.Before(w.StartsAt) {
		return &ConflictError{Code: "not_started"}
	}
	return nil
}

func (s *Webinars) setStatus(tx *gorm.DB, w *models.Webinar, status string, now time.Time) error {
	if err := checkTransition(w, status, now); err != nil {
		return err
	}
	updates := map[string]any{"status": status, "updated_at": now}
	switch status {
	case models.StatusPublished:
		updates["published_at"] = now
	case models.StatusCancelled:
		w.Sequence++
		updates["cancelled_at"] = now
		updates["sequence"] = w.Sequence
	}
	wasPublished := w.Status == models.StatusPublished
	if err := tx.Model(w).Updates(updates).Error; err != nil {
		return err
	}
	if status == models.StatusCancelled && wasPublished {
		return noticeChange(tx, s.outbox, w, KindCancelled, nil, now, true)
	}
	return nil
}

// SetStatus publishes, completes or cancels a webinar.
func (s *Webinars) SetStatus(ctx context.Context, id uint, status string) (*models.Webinar, error) {
	return s.Patch(ctx, id, nil, status)
}

// Duplicate copies a webinar and its line-up into a new draft.
func (s *Webinars) Duplicate(ctx context.Context, actor *models.Organizer, id uint) (*models.Webinar, error) {
	src, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	w := &models.Webinar{Status: models.StatusDraft, Slug: Slugify(src.Title, 60) + "-" + shortCode(6), CreatedByID: &actor.ID, WaitlistNext: 1,
		AttendanceThreshold: src.AttendanceThreshold, CodeCounts: src.CodeCounts, MaterialsQuotaMB: src.MaterialsQuotaMB,
		SpeakerReminderDays: src.SpeakerReminderDays}
	fields := FieldsOf(src)
	fields.apply(w)
	err = s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("Lineup", "Programme").Create(w).Error; err != nil {
			return err
		}
		for _, e := range src.Lineup {
			copyEntry := models.LineupEntry{WebinarID: w.ID, PersonID: e.PersonID, Role: e.Role, Pillar: e.Pillar, Topic: e.Topic, Position: e.Position}
			if err := tx.Omit("Person").Create(&copyEntry).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("duplicate webinar", err)
	}
	return s.Get(ctx, w.ID)
}

func (s *Webinars) withLineup(db *gorm.DB) *gorm.DB {
	return db.Preload("Programme").Preload("Lineup", func(db *gorm.DB) *gorm.DB {
		return db.Order("position, id")
	}).Preload("Lineup.Person")
}

// Get loads a webinar with its programme and line-up.
func (s *Webinars) Get(ctx context.Context, id uint) (*models.Webinar, error) {
	var w models.Webinar
	if err := s.withLineup(s.db.R.WithContext(ctx)).First(&w, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &w, nil
}

// GetPublic loads a webinar by slug as the public may see it: only one that
// was published at some point (a draft cancelled unpublished stays private).
func (s *Webinars) GetPublic(ctx context.Context, slug string) (*models.Webinar, error) {
	var w models.Webinar
	err := s.withLineup(s.db.R.WithContext(ctx)).
		Where("slug = ? AND published_at IS NOT NULL", slug).First(&w).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &w, nil
}

// WebinarFilter selects webinars for the catalog, the dashboard and the API.
type WebinarFilter struct {
	Statuses     []string
	Pillar       string
	RegencyCode  string
	ProvinceCode string
	ProgrammeID  uint
	Query        string
	From, To     *time.Time // on the start time
	NotEndedAt   *time.Time // only webinars still running or to come at this instant
	EndedBefore  *time.Time // only webinars over by this instant, newest first
	Page         int
	PerPage      int
}

// Normalize checks the filter's values and fills in paging defaults.
func (f *WebinarFilter) Normalize() error {
	v := &validator{}
	if f.Pillar != "" {
		v.oneOf("pillar", f.Pillar, models.Pillars)
	}
	if f.RegencyCode != "" {
		if code, ok := regions.NormalizeRegencyCode(f.RegencyCode); ok {
			f.RegencyCode = code
		} else {
			v.add("regency", "unknown")
		}
	}
	if f.ProvinceCode != "" {
		if _, ok := regions.ProvinceByCode(f.ProvinceCode); !ok {
			v.add("province", "unknown")
		}
	}
	v.text("q", f.Query, false, 200)
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		v.add("to", "before_from")
	}
	if f.Page < 1 {
		f.Page = 1
	}
	if f.Page > 10000 {
		v.add("page", "max", 10000)
	}
	if f.PerPage <= 0 {
		f.PerPage = DefaultPerPage
	}
	if f.PerPage > MaxPerPage {
		f.PerPage = MaxPerPage
	}
	return v.err()
}

// List returns one page of webinars matching f and the total count.
func (s *Webinars) List(ctx context.Context, f WebinarFilter) ([]models.Webinar, int64, error) {
	if err := f.Normalize(); err != nil {
		return nil, 0, err
	}
	q := s.db.R.WithContext(ctx).Model(&models.Webinar{})
	if len(f.Statuses) > 0 {
		q = q.Where("webinars.status IN ?", f.Statuses)
	}
	if f.Pillar != "" {
		q = q.Where("EXISTS (SELECT 1 FROM lineup_entries le WHERE le.webinar_id = webinars.id AND le.pillar = ?)", f.Pillar)
	}
	if f.RegencyCode != "" {
		q = q.Where("webinars.regency_code = ?", f.RegencyCode)
	}
	if f.ProvinceCode != "" {
		q = q.Where("webinars.province_code = ?", f.ProvinceCode)
	}
	if f.ProgrammeID != 0 {
		q = q.Where("webinars.programme_id = ?", f.ProgrammeID)
	}
	if f.Query != "" {
		like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		q = q.Where(`(lower(webinars.title) LIKE ? ESCAPE '\' OR lower(webinars.description) LIKE ? ESCAPE '\')`, like, like)
	}
	if f.From != nil {
		q = q.Where("webinars.starts_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("webinars.starts_at <= ?", f.To.UTC())
	}
	order := "webinars.starts_at, webinars.id"
	if f.NotEndedAt != nil {
		q = q.Where("webinars.ends_at > ?", f.NotEndedAt.UTC())
	}
	if f.EndedBefore != nil {
		q = q.Where("webinars.ends_at <= ?", f.EndedBefore.UTC())
		order = "webinars.starts_at DESC, webinars.id DESC"
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, wrap("count webinars", err)
	}
	var out []models.Webinar
	err := s.withLineup(q).Order(order).Limit(f.PerPage).Offset((f.Page - 1) * f.PerPage).Find(&out).Error
	return out, total, wrap("list webinars", err)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Slugify makes a URL-friendly, ASCII, lower-case form of s of at most max
// bytes, cut at a word boundary where it can be.
func Slugify(s string, max int) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(unicode.ToLower(r))
			dash = false
		case unicode.Is(unicode.Mn, r):
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > max {
		out = out[:max]
		if i := strings.LastIndexByte(out, '-'); i > max/2 {
			out = out[:i]
		}
		out = strings.Trim(out, "-")
	}
	if out == "" {
		out = "webinar"
	}
	return out
}

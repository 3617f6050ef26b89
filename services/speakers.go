package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gorm.io/gorm"

	"sinau/models"
	"sinau/uploads"
)

// Mail kinds for speakers.
const (
	KindInvitation      = "invitation"
	KindSpeakerReminder = "speaker-reminder"
)

// Speaker-side limits.
const (
	MaxInviteMessage   = 2000
	MaxSpeakerBio      = 1000
	DefaultInviteDays  = 30
	PhotoSize          = 400
	MaxMaterialName    = 200
	MaxSegmentTitle    = 200
	MaxSegmentDuration = 600
)

// Speakers runs invitations, the speaker portal, materials and the
// run-sheet.
type Speakers struct {
	db        *models.DB
	now       func() time.Time
	outbox    Outbox
	store     *uploads.Store
	uploadMax int64
}

// NewSpeakers builds the speaker service; files go to store, at most
// uploadMax bytes each.
func NewSpeakers(db *models.DB, now func() time.Time, domain string, store *uploads.Store, uploadMax int64) *Speakers {
	return &Speakers{db: db, now: now, outbox: Outbox{Domain: domain}, store: store, uploadMax: uploadMax}
}

func (s *Speakers) entry(tx *gorm.DB, webinarID, entryID uint) (*models.LineupEntry, error) {
	var e models.LineupEntry
	if err := tx.Preload("Person").Where("id = ? AND webinar_id = ?", entryID, webinarID).First(&e).Error; err != nil {
		return nil, notFound(err)
	}
	return &e, nil
}

// addToken gives an invitation one more link and queues the mail carrying
// it; only the hash is kept in the invitation's tokens.
func (s *Speakers) addToken(tx *gorm.DB, inv *models.Invitation, e *models.LineupEntry, kind, key string, now time.Time) error {
	token := NewToken()
	if err := tx.Exec(`INSERT INTO invitation_tokens (invitation_id, token_hash, created_at) VALUES (?, ?, ?)`, inv.ID, HashToken(token), now).Error; err != nil {
		return err
	}
	_, err := s.outbox.Enqueue(tx, now, Mail{Kind: kind, Key: key, To: *e.Person.Email, Lang: "id", WebinarID: e.WebinarID,
		Data: map[string]any{"token": token, "entry": e.ID, "invitation": inv.ID}})
	return err
}

// Invite asks a line-up person to take part and mails them a personal
// link. An earlier invitation of the same slot is revoked.
func (s *Speakers) Invite(ctx context.Context, actor *models.Organizer, webinarID, entryID uint, message string, days int) (*models.Invitation, error) {
	message = strings.TrimSpace(message)
	v := &validator{}
	v.text("message", message, false, MaxInviteMessage)
	if days == 0 {
		days = DefaultInviteDays
	}
	if days < 1 || days > 180 {
		v.add("expires_in_days", "range", 1, 180)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var inv models.Invitation
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireOpenWebinar(tx, webinarID); err != nil {
			return err
		}
		e, err := s.entry(tx, webinarID, entryID)
		if err != nil {
			return err
		}
		if e.Person.Email == nil || *e.Person.Email == "" {
			return Invalid("email", "invite_email")
		}
		now := s.now()
		if err := tx.Exec(`UPDATE invitations SET status = ?, revoked_at = ? WHERE lineup_entry_id = ? AND status <> ?`,
			models.InviteRevoked, now, entryID, models.InviteRevoked).Error; err != nil {
			return err
		}
		inv = models.Invitation{LineupEntryID: entryID, Message: message, Status: models.InvitePending, ExpiresAt: now.AddDate(0, 0, days),
			CreatedByID: &actor.ID, CreatedAt: now}
		if err := tx.Create(&inv).Error; err != nil {
			return err
		}
		return s.addToken(tx, &inv, e, KindInvitation, fmt.Sprintf("invitation:%d", inv.ID), now)
	})
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

// Revoke ends a slot's invitation: its links stop working.
func (s *Speakers) Revoke(ctx context.Context, webinarID, entryID uint) error {
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := s.entry(tx, webinarID, entryID); err != nil {
			return err
		}
		res := tx.Exec(`UPDATE invitations SET status = ?, revoked_at = ? WHERE lineup_entry_id = ? AND status IN (?, ?)`,
			models.InviteRevoked, s.now(), entryID, models.InvitePending, models.InviteAccepted)
		if res.Error == nil && res.RowsAffected == 0 {
			return &ConflictError{Code: "no_invitation"}
		}
		return res.Error
	})
}

// RemindSpeaker mails a speaker a fresh link to upload their materials.
func (s *Speakers) RemindSpeaker(ctx context.Context, webinarID, entryID uint) error {
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := s.entry(tx, webinarID, entryID)
		if err != nil {
			return err
		}
		inv, err := liveInvitation(tx, entryID, s.now())
		if err != nil {
			return err
		}
		now := s.now()
		return s.addToken(tx, inv, e, KindSpeakerReminder, fmt.Sprintf("speaker-reminder:%d:%d", entryID, now.UnixNano()), now)
	})
}

func liveInvitation(tx *gorm.DB, entryID uint, now time.Time) (*models.Invitation, error) {
	var inv models.Invitation
	err := tx.Where("lineup_entry_id = ? AND status IN (?, ?) AND expires_at > ?", entryID, models.InvitePending, models.InviteAccepted, now).
		Order("id DESC").First(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, &ConflictError{Code: "no_invitation"}
	}
	return &inv, err
}

// Portal is what a speaker sees behind their link.
type Portal struct {
	Invitation *models.Invitation
	Entry      *models.LineupEntry
	Webinar    *models.Webinar
	Materials  []models.Material
}

// PortalByToken opens the speaker portal. Expired, revoked and mistyped
// links all answer the same ErrNotFound, so the answer tells nothing about
// which tokens exist.
func (s *Speakers) PortalByToken(ctx context.Context, token string) (*Portal, error) {
	if len(token) < 20 || len(token) > 100 {
		return nil, models.ErrNotFound
	}
	var inv models.Invitation
	err := s.db.R.WithContext(ctx).Where(`id = (SELECT invitation_id FROM invitation_tokens WHERE token_hash = ?)`, HashToken(token)).First(&inv).Error
	if err != nil || inv.Status == models.InviteRevoked || !s.now().Before(inv.ExpiresAt) {
		return nil, models.ErrNotFound
	}
	var e models.LineupEntry
	if err := s.db.R.WithContext(ctx).Preload("Person").First(&e, inv.LineupEntryID).Error; err != nil {
		return nil, notFound(err)
	}
	w, err := NewWebinars(s.db, s.now, s.outbox.Domain).Get(ctx, e.WebinarID)
	if err != nil {
		return nil, err
	}
	var mats []models.Material
	if err := s.db.R.WithContext(ctx).Where("lineup_entry_id = ? AND deleted_at IS NULL AND superseded_at IS NULL", e.ID).Order("id").Find(&mats).Error; err != nil {
		return nil, err
	}
	return &Portal{Invitation: &inv, Entry: &e, Webinar: w, Materials: mats}, nil
}

// Respond accepts or declines an invitation (a reason is asked for when
// declining).
func (s *Speakers) Respond(ctx context.Context, p *Portal, accept bool, reason string) error {
	reason = strings.TrimSpace(reason)
	v := &validator{}
	v.text("reason", reason, false, 500)
	if err := v.err(); err != nil {
		return err
	}
	status := models.InviteDeclined
	if accept {
		status, reason = models.InviteAccepted, ""
	}
	return s.db.W.WithContext(ctx).Exec(`UPDATE invitations SET status = ?, decline_reason = ?, responded_at = ? WHERE id = ?`,
		status, reason, s.now(), p.Invitation.ID).Error
}

// SpeakerProfile is what a speaker edits about themself.
type SpeakerProfile struct {
	Name, Title, Affiliation, Bio string
}

// UpdateProfile saves a speaker's name, title, affiliation and bio.
func (s *Speakers) UpdateProfile(ctx context.Context, p *Portal, in SpeakerProfile) error {
	in.Name, in.Title, in.Affiliation, in.Bio = strings.TrimSpace(in.Name), strings.TrimSpace(in.Title), strings.TrimSpace(in.Affiliation), strings.TrimSpace(in.Bio)
	v := &validator{}
	v.text("name", in.Name, true, MaxName)
	v.text("title", in.Title, false, MaxPersonTitle)
	v.text("affiliation", in.Affiliation, false, MaxAffiliation)
	v.text("bio", in.Bio, false, MaxSpeakerBio)
	if err := v.err(); err != nil {
		return err
	}
	return s.db.W.WithContext(ctx).Model(&models.Person{}).Where("id = ?", p.Entry.PersonID).Updates(map[string]any{
		"name": in.Name, "title": in.Title, "affiliation": in.Affiliation, "bio": in.Bio, "updated_at": s.now()}).Error
}

// SetPhoto re-encodes and stores a speaker's photo; the old one is removed.
func (s *Speakers) SetPhoto(ctx context.Context, p *Portal, r io.Reader) error {
	saved, err := s.store.Photo(r, uploads.PhotoMaxBytes, PhotoSize)
	if err != nil {
		return uploadError("photo", err)
	}
	old := p.Entry.Person.PhotoKey
	if err := s.db.W.WithContext(ctx).Model(&models.Person{}).Where("id = ?", p.Entry.PersonID).
		Updates(map[string]any{"photo_key": saved.Key, "updated_at": s.now()}).Error; err != nil {
		s.store.Remove(saved.Key)
		return err
	}
	if old != "" {
		s.store.Remove(old)
	}
	return nil
}

// OpenPhoto opens a person's stored photo.
func (s *Speakers) OpenPhoto(ctx context.Context, personID uint) (*os.File, error) {
	var p models.Person
	if err := s.db.R.WithContext(ctx).First(&p, personID).Error; err != nil || p.PhotoKey == "" {
		return nil, models.ErrNotFound
	}
	return s.store.Open(p.PhotoKey)
}

// uploadError turns a storage refusal into a field error.
func uploadError(field string, err error) error {
	var te *uploads.TypeError
	switch {
	case errors.As(err, &te) && te.Macros:
		return Invalid(field, "file_macros")
	case errors.As(err, &te):
		return Invalid(field, "file_type", te.Detected)
	case errors.Is(err, uploads.ErrTooLarge):
		return ErrFileTooLarge
	case errors.Is(err, uploads.ErrEmpty):
		return Invalid(field, "required")
	case errors.Is(err, uploads.ErrImage), errors.Is(err, uploads.ErrType):
		return Invalid(field, "image")
	}
	return err
}

// ErrFileTooLarge is an upload over SINAU_UPLOAD_MAX_MB (413).
var ErrFileTooLarge = errors.New("file too large")

// MaterialInput describes a material being added.
type MaterialInput struct {
	EntryID       *uint
	Name          string
	Link          string
	Visibility    string
	AvailableFrom *time.Time
	Replaces      *uint
	UploadedBy    string
}

func (in *MaterialInput) check() error {
	v := &validator{}
	v.oneOf("visibility", in.Visibility, []string{models.VisibleOrganizers, models.VisibleRegistrants, models.VisiblePublic})
	if in.Link != "" {
		v.httpURL("link", in.Link, MaxURL)
		in.Name = strings.TrimSpace(in.Name)
		v.text("name", in.Name, true, MaxMaterialName)
	}
	return v.err()
}

// AddFile stores an uploaded file as a material. The file is written
// first, under a generated name; if the database refuses the row (the
// quota, say) the file is removed again.
func (s *Speakers) AddFile(ctx context.Context, webinarID uint, in MaterialInput, filename string, r io.Reader) (*models.Material, error) {
	in.Name = uploads.SafeName(filename)
	if err := in.check(); err != nil {
		return nil, err
	}
	saved, err := s.store.Save(r, s.uploadMax, uploads.MaterialTypes)
	if err != nil {
		return nil, uploadError("file", err)
	}
	m := &models.Material{Kind: "file", Name: in.Name, StorageKey: saved.Key, ContentType: saved.ContentType, Size: saved.Size, Sha256: saved.SHA256}
	if err := s.addMaterial(ctx, webinarID, in, m); err != nil {
		s.store.Remove(saved.Key)
		return nil, err
	}
	return m, nil
}

// AddLink adds a link (a recording, slides online) as a material.
func (s *Speakers) AddLink(ctx context.Context, webinarID uint, in MaterialInput) (*models.Material, error) {
	if in.Link == "" {
		return nil, Invalid("link", "required")
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	m := &models.Material{Kind: "link", Name: in.Name, Link: in.Link}
	return m, s.addMaterial(ctx, webinarID, in, m)
}

func (s *Speakers) addMaterial(ctx context.Context, webinarID uint, in MaterialInput, m *models.Material) error {
	now := s.now()
	m.WebinarID, m.LineupEntryID, m.Visibility, m.UploadedBy, m.CreatedAt = webinarID, in.EntryID, in.Visibility, in.UploadedBy, now
	if in.AvailableFrom != nil {
		t := in.AvailableFrom.UTC()
		m.AvailableFrom = &t
	}
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var w models.Webinar
		if err := tx.Select("id, status, materials_quota_mb").First(&w, webinarID).Error; err != nil {
			return notFound(err)
		}
		if in.EntryID != nil {
			if _, err := s.entry(tx, webinarID, *in.EntryID); err != nil {
				return Invalid("lineup_entry_id", "unknown")
			}
		}
		var used int64
		if err := tx.Raw(`SELECT COALESCE(SUM(size), 0) FROM materials WHERE webinar_id = ? AND deleted_at IS NULL`, webinarID).Scan(&used).Error; err != nil {
			return err
		}
		if used+m.Size > int64(w.MaterialsQuotaMB)<<20 {
			return &ConflictError{Code: "quota"}
		}
		if in.Replaces != nil {
			res := tx.Exec(`UPDATE materials SET superseded_at = ? WHERE id = ? AND webinar_id = ? AND superseded_at IS NULL AND deleted_at IS NULL`,
				now, *in.Replaces, webinarID)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return Invalid("replaces", "unknown")
			}
			m.ReplacesID = in.Replaces
		}
		return tx.Create(m).Error
	})
}

// DeleteMaterial hides a material; its file and earlier versions are kept
// for the organizers' record.
func (s *Speakers) DeleteMaterial(ctx context.Context, webinarID, id uint, entryID *uint) error {
	q := s.db.W.WithContext(ctx).Model(&models.Material{}).Where("id = ? AND webinar_id = ? AND deleted_at IS NULL", id, webinarID)
	if entryID != nil {
		q = q.Where("lineup_entry_id = ?", *entryID)
	}
	res := q.Update("deleted_at", s.now())
	if res.Error == nil && res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return res.Error
}

// Viewer is who asks for materials.
type Viewer int

// Viewers, from the least to the most entitled.
const (
	ViewerPublic Viewer = iota
	ViewerRegistrant
	ViewerOrganizer
)

// Materials lists a webinar's current materials a viewer may see: the
// public sees public ones, registrants also theirs, once available;
// organizers see everything.
func (s *Speakers) Materials(ctx context.Context, webinarID uint, viewer Viewer) ([]models.Material, error) {
	var out []models.Material
	err := s.visible(ctx, webinarID, viewer).Order("lineup_entry_id, id").Find(&out).Error
	return out, wrap("materials", err)
}

// Material loads one current material if the viewer may see it.
func (s *Speakers) Material(ctx context.Context, webinarID, id uint, viewer Viewer) (*models.Material, error) {
	var m models.Material
	err := s.visible(ctx, webinarID, viewer).Where("id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, wrap("material", err)
	}
	return &m, nil
}

// visible selects a webinar's current materials the viewer may see.
func (s *Speakers) visible(ctx context.Context, webinarID uint, viewer Viewer) *gorm.DB {
	q := s.db.R.WithContext(ctx).Where("webinar_id = ? AND deleted_at IS NULL AND superseded_at IS NULL", webinarID)
	switch viewer {
	case ViewerPublic:
		q = q.Where("visibility = ? AND (available_from IS NULL OR available_from <= ?)", models.VisiblePublic, s.now())
	case ViewerRegistrant:
		q = q.Where("visibility IN ? AND (available_from IS NULL OR available_from <= ?)", []string{models.VisiblePublic, models.VisibleRegistrants}, s.now())
	}
	return q
}

// OpenFile opens a file material's stored bytes.
func (s *Speakers) OpenFile(m *models.Material) (*os.File, error) {
	if m.Kind != "file" {
		return nil, models.ErrNotFound
	}
	return s.store.Open(m.StorageKey)
}

// EntryStatus is a line-up slot with its invitation and materials.
type EntryStatus struct {
	models.LineupEntry
	Invitation *models.Invitation
	Materials  int
}

// LineupStatus lists a webinar's line-up with each slot's latest
// invitation and count of current materials.
func (s *Speakers) LineupStatus(ctx context.Context, webinarID uint) ([]EntryStatus, error) {
	w, err := NewWebinars(s.db, s.now, s.outbox.Domain).Get(ctx, webinarID)
	if err != nil {
		return nil, err
	}
	var invs []models.Invitation
	if err := s.db.R.WithContext(ctx).Where("lineup_entry_id IN (SELECT id FROM lineup_entries WHERE webinar_id = ?)", webinarID).Order("id").Find(&invs).Error; err != nil {
		return nil, err
	}
	latest := map[uint]*models.Invitation{}
	for i := range invs {
		latest[invs[i].LineupEntryID] = &invs[i]
	}
	var counts []struct {
		EntryID uint
		N       int
	}
	if err := s.db.R.WithContext(ctx).Raw(`SELECT lineup_entry_id AS entry_id, COUNT(*) AS n FROM materials WHERE webinar_id = ? AND lineup_entry_id IS NOT NULL
		AND deleted_at IS NULL AND superseded_at IS NULL GROUP BY lineup_entry_id`, webinarID).Scan(&counts).Error; err != nil {
		return nil, err
	}
	n := map[uint]int{}
	for _, c := range counts {
		n[c.EntryID] = c.N
	}
	out := make([]EntryStatus, 0, len(w.Lineup))
	for _, e := range w.Lineup {
		out = append(out, EntryStatus{LineupEntry: e, Invitation: latest[e.ID], Materials: n[e.ID]})
	}
	return out, nil
}

// RemindSpeakers queues, once per slot, a reminder to speakers who accepted
// or were invited and have no material N days before the start.
func (s *Scheduler) remindSpeakers(ctx context.Context, now time.Time) (int, error) {
	var entries []struct {
		EntryID, WebinarID, InvitationID uint
		Email                            string
	}
	err := s.db.R.WithContext(ctx).Raw(`SELECT e.id AS entry_id, e.webinar_id, i.id AS invitation_id, p.email
		FROM lineup_entries e JOIN webinars w ON w.id = e.webinar_id JOIN people p ON p.id = e.person_id
		JOIN invitations i ON i.lineup_entry_id = e.id AND i.status IN (?, ?) AND i.expires_at > ?
		WHERE w.status = ? AND w.starts_at > ? AND w.starts_at <= datetime(?, '+' || w.speaker_reminder_days || ' days')
		AND w.speaker_reminder_days > 0 AND p.email IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM materials m WHERE m.lineup_entry_id = e.id AND m.deleted_at IS NULL)
		AND NOT EXISTS (SELECT 1 FROM mail_messages mm WHERE mm.idempotency_key = 'speaker-reminder:' || e.id)`,
		models.InvitePending, models.InviteAccepted, now, models.StatusPublished, now, now.UTC().Format("2006-01-02 15:04:05")).Scan(&entries).Error
	if err != nil {
		return 0, wrap("speaker reminders", err)
	}
	sp := &Speakers{db: s.db, now: s.now, outbox: s.outbox}
	n := 0
	for _, x := range entries {
		err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			e, err := sp.entry(tx, x.WebinarID, x.EntryID)
			if err != nil {
				return err
			}
			inv := &models.Invitation{ID: x.InvitationID}
			return sp.addToken(tx, inv, e, KindSpeakerReminder, fmt.Sprintf("speaker-reminder:%d", x.EntryID), now)
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// SetOptions changes when speakers without materials are reminded (days
// before the start, 0 for never) and the webinar's materials quota.
func (s *Speakers) SetOptions(ctx context.Context, webinarID uint, reminderDays, quotaMB int) error {
	v := &validator{}
	if reminderDays < 0 || reminderDays > 60 {
		v.add("speaker_reminder_days", "range", 0, 60)
	}
	if quotaMB < 1 || quotaMB > 100000 {
		v.add("materials_quota_mb", "range", 1, 100000)
	}
	if err := v.err(); err != nil {
		return err
	}
	res := s.db.W.WithContext(ctx).Exec(`UPDATE webinars SET speaker_reminder_days = ?, materials_quota_mb = ? WHERE id = ?`, reminderDays, quotaMB, webinarID)
	if res.Error == nil && res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return res.Error
}

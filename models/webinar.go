package models

import (
	"sync"
	"time"
)

// Webinar statuses. A webinar starts as a draft, is published, and ends
// completed or cancelled.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusCompleted = "completed"
	StatusCancelled = "cancelled"
)

// Pillar codes of the national digital-literacy curriculum.
const (
	PillarEthics  = "ethics"
	PillarSkills  = "skills"
	PillarCulture = "culture"
	PillarSafety  = "safety"
)

// Pillars lists the four pillar codes in curriculum order.
var Pillars = []string{PillarEthics, PillarSkills, PillarCulture, PillarSafety}

// Line-up roles.
const (
	RoleModerator   = "moderator"
	RoleKeynote     = "keynote"
	RoleSpeaker     = "speaker"
	RoleKOL         = "kol"
	RoleInterpreter = "interpreter"
)

// LineupRoles lists the roles in the order a run-sheet usually has them.
var LineupRoles = []string{RoleModerator, RoleKeynote, RoleSpeaker, RoleKOL, RoleInterpreter}

// Audiences are the segments a webinar is aimed at.
var Audiences = []string{"general", "students", "teachers", "university_students", "parents", "civil_servants", "communities", "msme"}

// Platforms a webinar runs on; in_person uses a venue instead of a join link.
var Platforms = []string{"zoom", "google_meet", "microsoft_teams", "youtube", "other_online", "in_person", "hybrid"}

// Programme is a named series of webinars.
type Programme struct {
	ID          uint
	Slug        string
	Name        string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Webinar is one scheduled session. StartsAt is UTC; Timezone is the IANA
// zone the webinar is presented in.
type Webinar struct {
	ID              uint
	Slug            string
	Title           string
	Description     string
	StartsAt        time.Time
	DurationMinutes int
	EndsAt          time.Time // StartsAt + duration, kept for queries
	Timezone        string
	RegencyCode     string
	ProvinceCode    string
	Audience        string
	Platform        string
	JoinURL         string
	Venue           string
	Capacity        int
	Status          string
	Sequence        int
	// RegistrationDeadline closes registration early; nil means at the start.
	RegistrationDeadline *time.Time
	FormFields           string // JSON FormConfig; empty means the defaults
	// The counters are kept in the same transaction as every registration
	// change, so capacity checks need no COUNT(*) under the writer lock.
	RegisteredCount int
	WaitlistCount   int
	WaitlistNext    int
	// ReminderOffsets is a JSON array of Go durations before the start
	// ("72h", "24h", "1h"), one reminder each.
	ReminderOffsets      string
	FollowupDelayMinutes int
	AttendanceKnownAt    *time.Time
	FollowupsSentAt      *time.Time
	// AttendanceThreshold is the percent of the actual duration that
	// counts as attended; CodeCounts makes an entered attendance code count.
	AttendanceThreshold int
	CodeCounts          bool
	ActualMinutes       int
	MaterialsQuotaMB    int
	SpeakerReminderDays int
	ProgrammeID         *uint
	Programme           *Programme
	CreatedByID         *uint
	PublishedAt         *time.Time
	CancelledAt         *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
	Lineup              []LineupEntry
}

// Location is the webinar's time zone; UTC if the stored name is unknown.
func (w Webinar) Location() *time.Location { return Location(w.Timezone) }

// locations caches loaded zones: time.LoadLocation reads and parses the
// zone data on every call, and pages and mail ask for the same few zones.
var locations sync.Map

// Location returns the named zone, UTC if it is unknown.
func Location(name string) *time.Location {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	locations.Store(name, loc)
	return loc
}

// PillarCodes are the pillars the webinar's speakers cover, in curriculum order.
func (w Webinar) PillarCodes() []string {
	have := map[string]bool{}
	for _, e := range w.Lineup {
		if e.Pillar != nil {
			have[*e.Pillar] = true
		}
	}
	out := []string{}
	for _, p := range Pillars {
		if have[p] {
			out = append(out, p)
		}
	}
	return out
}

// IsOnline reports whether people join through a link.
func (w Webinar) IsOnline() bool { return w.Platform != "in_person" }

// HasVenue reports whether people come to a place.
func (w Webinar) HasVenue() bool { return w.Platform == "in_person" || w.Platform == "hybrid" }

// Person is someone who appears in line-ups: speakers, moderators, guests.
type Person struct {
	ID          uint
	Name        string
	Email       *string
	Phone       string
	Affiliation string
	Title       string
	Bio         string
	PhotoKey    string // generated file name of the re-encoded photo
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// LineupEntry places a person in a webinar's line-up. Pillar is set for
// speakers only.
type LineupEntry struct {
	ID        uint
	WebinarID uint
	PersonID  uint
	Person    Person
	Role      string
	Pillar    *string
	Topic     string
	Position  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Invitation statuses.
const (
	InvitePending  = "pending"
	InviteAccepted = "accepted"
	InviteDeclined = "declined"
	InviteRevoked  = "revoked"
)

// Invitation asks a line-up person to take part. Its links' tokens are
// kept only as hashes in invitation_tokens: the first comes with the
// invitation, later ones with reminders, and revoking the invitation ends
// them all.
type Invitation struct {
	ID            uint
	LineupEntryID uint
	Message       string
	Status        string
	DeclineReason string
	ExpiresAt     time.Time
	CreatedByID   *uint
	CreatedAt     time.Time
	RespondedAt   *time.Time
	RevokedAt     *time.Time
}

// Material visibilities.
const (
	VisibleOrganizers  = "organizers"
	VisibleRegistrants = "registrants"
	VisiblePublic      = "public"
)

// Material is a file or link attached to a webinar, perhaps to one
// speaker's slot. A replaced file keeps its row, superseded.
type Material struct {
	ID            uint
	WebinarID     uint
	LineupEntryID *uint
	Kind          string // file or link
	Name          string // the uploaded file's name, as data only
	StorageKey    string
	ContentType   string
	Size          int64
	Sha256        string
	Link          string
	Visibility    string
	AvailableFrom *time.Time
	ReplacesID    *uint
	SupersededAt  *time.Time
	DeletedAt     *time.Time
	UploadedBy    string // organizer or speaker
	CreatedAt     time.Time
}

// Segment kinds of a run-sheet.
var SegmentKinds = []string{"opening", "keynote", "speaker", "kol", "qa", "break", "closing", "other"}

// Segment is one block of a webinar's run-sheet; its time follows from the
// ones before it.
type Segment struct {
	ID              uint
	WebinarID       uint
	Position        int
	Kind            string
	Title           string
	LineupEntryID   *uint
	DurationMinutes int
	CreatedAt       time.Time
}

// TableName keeps GORM on the migration's table name.
func (Segment) TableName() string { return "runsheet_segments" }

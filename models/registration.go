package models

import "time"

// Registration statuses.
const (
	RegRegistered = "registered"
	RegWaitlisted = "waitlisted"
	RegCancelled  = "cancelled"
)

// Optional registration form fields, shown or required per webinar.
const (
	FieldPhone        = "phone"
	FieldGender       = "gender"
	FieldAgeRange     = "age_range"
	FieldOccupation   = "occupation"
	FieldOrganisation = "organisation"
	FieldRegency      = "regency_code"
)

// FormFields lists the optional fields in form order.
var FormFields = []string{FieldPhone, FieldGender, FieldAgeRange, FieldOccupation, FieldOrganisation, FieldRegency}

// Field modes.
const (
	FieldOff      = "off"
	FieldOptional = "optional"
	FieldRequired = "required"
)

// Choices of the fixed-choice fields.
var (
	Genders     = []string{"female", "male", "undisclosed"}
	AgeRanges   = []string{"under_18", "18_24", "25_34", "35_44", "45_54", "55_plus"}
	Occupations = []string{"student", "university_student", "teacher", "civil_servant", "private_employee", "entrepreneur", "homemaker", "community_worker", "unemployed", "other"}
)

// Question kinds.
const (
	QuestionText     = "text"
	QuestionSingle   = "single"
	QuestionMultiple = "multiple"
)

// Question is a webinar's own question on its registration form.
type Question struct {
	ID        uint
	WebinarID uint
	Position  int
	Kind      string
	Label     string
	Choices   string // JSON array of strings
	Required  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Channel is a partner's tracking link for one webinar.
type Channel struct {
	ID        uint
	WebinarID uint
	Code      string
	Name      string
	Clicks    int
	CreatedAt time.Time
}

// Registration is one participant's sign-up for one webinar. Token is the
// secret of their personal link.
type Registration struct {
	ID           uint
	WebinarID    uint
	Token        string
	Status       string
	WaitlistSeq  *int
	Name         string
	Email        string
	Phone        string
	Gender       string
	AgeRange     string
	Occupation   string
	Organisation string
	RegencyCode  string
	Answers      string // JSON object: question id → string or []string
	Lang         string
	ChannelID    *uint
	Source       string // web, api or organizer
	ConsentAt    time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	PromotedAt   *time.Time
	CancelledAt  *time.Time
	Attended     *bool // nil until attendance is known
	// Measured attendance: minutes from meeting reports and their share of
	// the actual duration; an organizer's override wins over both.
	AttendedMinutes    float64
	AttendedPercent    float64
	AttendanceOverride *string
	CheckedInAt        *time.Time
	CodeEnteredAt      *time.Time
}

// Mail message statuses.
const (
	MailPending = "pending"
	MailSending = "sending"
	MailSent    = "sent"
	MailFailed  = "failed"
)

// MailMessage is one row of the outbox: written in the transaction of the
// change that causes it, sent later by the mail worker. The body is built
// when sending from the kind, the rows it refers to and Data.
type MailMessage struct {
	ID             uint
	Kind           string
	IdempotencyKey string
	MessageID      string
	Recipient      string
	Lang           string
	WebinarID      *uint
	RegistrationID *uint
	Data           string // JSON, kind-specific
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	LastError      string
	Subject        string
	AnnouncementID *uint
	CreatedAt      time.Time
	UpdatedAt      time.Time
	SentAt         *time.Time
}

// Announcement statuses.
const (
	AnnouncementDraft = "draft"
	AnnouncementSent  = "sent"
)

// Audiences of an announcement.
const (
	AudienceRegistered = "registered"
	AudienceWaitlisted = "waitlisted"
	AudienceAttended   = "attended"
	AudienceAbsent     = "absent"
	AudienceAll        = "all"
)

// AnnouncementAudiences lists them in the form's order.
var AnnouncementAudiences = []string{AudienceRegistered, AudienceWaitlisted, AudienceAttended, AudienceAbsent, AudienceAll}

// Announcement is an organizer's message to a group of a webinar's
// registrants; each recipient gets one outbox row.
type Announcement struct {
	ID          uint
	WebinarID   uint
	Subject     string
	Body        string // Markdown
	Audience    string
	Status      string
	CreatedByID *uint
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SentAt      *time.Time
}

// ReminderRun records that one reminder offset of a webinar was handled for
// one start time: queued, or skipped with a reason.
type ReminderRun struct {
	ID            uint
	WebinarID     uint
	OffsetSeconds int64
	StartsAt      time.Time
	DueAt         time.Time
	Outcome       string
	Queued        int
	Reason        string
	CreatedAt     time.Time
}

// AttendanceReport is one imported meeting-platform report.
type AttendanceReport struct {
	ID            uint
	WebinarID     uint
	Sha256        string
	Filename      string
	Format        string
	Rows          int
	ActualStart   *time.Time
	ActualMinutes int
	ImportedByID  *uint
	CreatedAt     time.Time
}

// AttendanceCode is a window in which registrants can prove presence by
// typing the code shown in the session.
type AttendanceCode struct {
	ID          uint
	WebinarID   uint
	Code        string
	OpensAt     time.Time
	ClosesAt    time.Time
	CreatedByID *uint
	CreatedAt   time.Time
}

// AttendanceAudit records an organizer's manual change of attendance.
type AttendanceAudit struct {
	ID             uint
	RegistrationID uint
	OrganizerID    *uint
	Before         string
	After          string
	Reason         string
	CreatedAt      time.Time
}

package models

import "time"

// Roles an organizer account can have.
const (
	RoleAdmin     = "admin"
	RoleOrganizer = "organizer"
	// RoleCheckin is door staff: they see only the check-in page.
	RoleCheckin = "checkin"
)

// Organizer is a person who runs webinars on this Sinau instance.
type Organizer struct {
	ID           uint
	Email        string
	Name         string
	PasswordHash string
	Role         string
	Active       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// IsAdmin reports whether the organizer manages accounts.
func (o *Organizer) IsAdmin() bool { return o.Role == RoleAdmin }

// IsStaff reports whether the account may only check people in.
func (o *Organizer) IsStaff() bool { return o.Role == RoleCheckin }

// WebSession is a logged-in browser; only the token's hash is stored.
type WebSession struct {
	ID          uint
	TokenHash   string
	OrganizerID uint
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// APIToken is a bearer token for the JSON API; only its hash is stored.
type APIToken struct {
	ID          uint
	TokenHash   string
	OrganizerID uint
	Name        string
	CreatedAt   time.Time
	LastUsedAt  *time.Time
	RevokedAt   *time.Time
}

package services

import (
	"context"
	"errors"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"sinau/models"
)

// SessionLifetime is how long a browser stays logged in.
const SessionLifetime = 12 * time.Hour

// MinPasswordLength is the shortest password an account may have.
const MinPasswordLength = 10

// Accounts manages organizer accounts, browser sessions and API tokens.
type Accounts struct {
	db  *models.DB
	now func() time.Time
	// dummyHash makes a login for an unknown email cost as much as one for a
	// known email, so timing does not tell which addresses have accounts.
	dummyHash []byte
	cost      int
}

// NewAccounts builds the accounts service. cost is the bcrypt cost; tests
// pass bcrypt.MinCost.
func NewAccounts(db *models.DB, now func() time.Time, cost int) *Accounts {
	h, _ := bcrypt.GenerateFromPassword([]byte("dummy password for timing"), cost)
	return &Accounts{db: db, now: now, dummyHash: h, cost: cost}
}

// OrganizerInput is what creating or editing an account takes.
type OrganizerInput struct {
	Name     string
	Email    string
	Password string
	Role     string
}

func (a *Accounts) validate(in *OrganizerInput, withPassword bool) error {
	in.Email = NormalizeEmail(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	v := &validator{}
	v.text("name", in.Name, true, 120)
	v.email("email", in.Email, true)
	v.oneOf("role", in.Role, []string{models.RoleAdmin, models.RoleOrganizer, models.RoleCheckin})
	if withPassword {
		checkPassword(v, "password", in.Password)
	}
	return v.err()
}

func checkPassword(v *validator, field, pw string) {
	switch n := len([]rune(pw)); {
	case n < MinPasswordLength:
		v.add(field, "password_short", MinPasswordLength)
	case len(pw) > 72:
		v.add(field, "too_long", 72)
	}
}

func (a *Accounts) hash(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), a.cost)
	return string(h), err
}

// CountOrganizers tells whether the instance has been set up.
func (a *Accounts) CountOrganizers(ctx context.Context) (int64, error) {
	var n int64
	err := a.db.R.WithContext(ctx).Model(&models.Organizer{}).Count(&n).Error
	return n, wrap("count organizers", err)
}

// CreateFirstAdmin creates an admin only while no organizer exists; it is
// how both SINAU_ADMIN_* and the one-time setup page make the first account.
func (a *Accounts) CreateFirstAdmin(ctx context.Context, in OrganizerInput) (*models.Organizer, error) {
	in.Role = models.RoleAdmin
	if err := a.validate(&in, true); err != nil {
		return nil, err
	}
	h, err := a.hash(in.Password)
	if err != nil {
		return nil, err
	}
	o := &models.Organizer{Email: in.Email, Name: in.Name, Role: models.RoleAdmin, PasswordHash: h, Active: true}
	err = a.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Organizer{}).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrSetupClosed
		}
		return tx.Create(o).Error
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// CreateOrganizer adds an account; only admins may.
func (a *Accounts) CreateOrganizer(ctx context.Context, actor *models.Organizer, in OrganizerInput) (*models.Organizer, error) {
	if !actor.IsAdmin() {
		return nil, ErrForbidden
	}
	if err := a.validate(&in, true); err != nil {
		return nil, err
	}
	h, err := a.hash(in.Password)
	if err != nil {
		return nil, err
	}
	o := &models.Organizer{Email: in.Email, Name: in.Name, Role: in.Role, PasswordHash: h, Active: true}
	if err := a.db.W.WithContext(ctx).Create(o).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, Invalid("email", "taken")
		}
		return nil, wrap("create organizer", err)
	}
	return o, nil
}

// UpdateOrganizer changes an account's name, role and whether it may log
// in. An admin cannot demote or deactivate themself, so the instance always
// keeps one admin who can.
func (a *Accounts) UpdateOrganizer(ctx context.Context, actor *models.Organizer, id uint, name, role string, active bool) error {
	if !actor.IsAdmin() {
		return ErrForbidden
	}
	v := &validator{}
	name = strings.TrimSpace(name)
	v.text("name", name, true, 120)
	v.oneOf("role", role, []string{models.RoleAdmin, models.RoleOrganizer, models.RoleCheckin})
	if id == actor.ID && (role != models.RoleAdmin || !active) {
		v.add("role", "self_demote")
	}
	if err := v.err(); err != nil {
		return err
	}
	return a.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Organizer{}).Where("id = ?", id).
			Updates(map[string]any{"name": name, "role": role, "active": active, "updated_at": a.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		if !active {
			return tx.Where("organizer_id = ?", id).Delete(&models.WebSession{}).Error
		}
		return nil
	})
}

// SetPassword lets an admin give an account a new password; it logs that
// account out everywhere.
func (a *Accounts) SetPassword(ctx context.Context, actor *models.Organizer, id uint, pw string) error {
	if !actor.IsAdmin() {
		return ErrForbidden
	}
	return a.setPassword(ctx, id, pw)
}

// ChangePassword is an organizer changing their own password.
func (a *Accounts) ChangePassword(ctx context.Context, o *models.Organizer, current, next string) error {
	if bcrypt.CompareHashAndPassword([]byte(o.PasswordHash), []byte(current)) != nil {
		return Invalid("current_password", "wrong_password")
	}
	return a.setPassword(ctx, o.ID, next)
}

func (a *Accounts) setPassword(ctx context.Context, id uint, pw string) error {
	v := &validator{}
	checkPassword(v, "password", pw)
	if err := v.err(); err != nil {
		return err
	}
	h, err := a.hash(pw)
	if err != nil {
		return err
	}
	return a.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Organizer{}).Where("id = ?", id).
			Updates(map[string]any{"password_hash": h, "updated_at": a.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return tx.Where("organizer_id = ?", id).Delete(&models.WebSession{}).Error
	})
}

// ListOrganizers returns every account, admins first.
func (a *Accounts) ListOrganizers(ctx context.Context) ([]models.Organizer, error) {
	var out []models.Organizer
	err := a.db.R.WithContext(ctx).Order("role = 'admin' DESC, name").Find(&out).Error
	return out, wrap("list organizers", err)
}

// Organizer loads one account.
func (a *Accounts) Organizer(ctx context.Context, id uint) (*models.Organizer, error) {
	var o models.Organizer
	if err := a.db.R.WithContext(ctx).First(&o, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &o, nil
}

// Authenticate checks an email and password of an active account.
func (a *Accounts) Authenticate(ctx context.Context, email, password string) (*models.Organizer, error) {
	var o models.Organizer
	err := a.db.R.WithContext(ctx).Where("email = ?", NormalizeEmail(email)).First(&o).Error
	if err != nil {
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, wrap("authenticate", err)
		}
		bcrypt.CompareHashAndPassword(a.dummyHash, []byte(password))
		return nil, ErrBadCredentials
	}
	if bcrypt.CompareHashAndPassword([]byte(o.PasswordHash), []byte(password)) != nil || !o.Active {
		return nil, ErrBadCredentials
	}
	return &o, nil
}

// StartSession logs a browser in and returns the cookie value.
func (a *Accounts) StartSession(ctx context.Context, organizerID uint) (string, error) {
	token := NewToken()
	now := a.now()
	s := models.WebSession{TokenHash: HashToken(token), OrganizerID: organizerID, CreatedAt: now, ExpiresAt: now.Add(SessionLifetime)}
	if err := a.db.W.WithContext(ctx).Create(&s).Error; err != nil {
		return "", wrap("start session", err)
	}
	return token, nil
}

// SessionOrganizer resolves a session cookie to its active organizer.
func (a *Accounts) SessionOrganizer(ctx context.Context, token string) (*models.Organizer, error) {
	var o models.Organizer
	err := a.db.R.WithContext(ctx).
		Joins("JOIN web_sessions s ON s.organizer_id = organizers.id").
		Where("s.token_hash = ? AND s.expires_at > ? AND organizers.active", HashToken(token), a.now()).
		First(&o).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &o, nil
}

// EndSession logs a browser out.
func (a *Accounts) EndSession(ctx context.Context, token string) error {
	return wrap("end session", a.db.W.WithContext(ctx).Where("token_hash = ?", HashToken(token)).Delete(&models.WebSession{}).Error)
}

// PurgeExpiredSessions removes sessions past their expiry.
func (a *Accounts) PurgeExpiredSessions(ctx context.Context) error {
	return wrap("purge sessions", a.db.W.WithContext(ctx).Where("expires_at <= ?", a.now()).Delete(&models.WebSession{}).Error)
}

// IssueAPIToken checks credentials and returns a new bearer token.
func (a *Accounts) IssueAPIToken(ctx context.Context, email, password, name string) (string, *models.APIToken, error) {
	o, err := a.Authenticate(ctx, email, password)
	if err != nil {
		return "", nil, err
	}
	if o.IsStaff() {
		return "", nil, ErrForbidden
	}
	return a.IssueTokenFor(ctx, o.ID, name)
}

// IssueTokenFor creates a bearer token for a signed-in organizer.
func (a *Accounts) IssueTokenFor(ctx context.Context, organizerID uint, name string) (string, *models.APIToken, error) {
	name = strings.TrimSpace(name)
	v := &validator{}
	v.text("name", name, false, 100)
	if err := v.err(); err != nil {
		return "", nil, err
	}
	token := NewToken()
	t := &models.APIToken{TokenHash: HashToken(token), OrganizerID: organizerID, Name: name, CreatedAt: a.now()}
	if err := a.db.W.WithContext(ctx).Create(t).Error; err != nil {
		return "", nil, wrap("issue token", err)
	}
	return token, t, nil
}

// TokenOrganizer resolves a bearer token to its active organizer.
func (a *Accounts) TokenOrganizer(ctx context.Context, token string) (*models.Organizer, *models.APIToken, error) {
	var t models.APIToken
	err := a.db.R.WithContext(ctx).Where("token_hash = ? AND revoked_at IS NULL", HashToken(token)).First(&t).Error
	if err != nil {
		return nil, nil, notFound(err)
	}
	var o models.Organizer
	if err := a.db.R.WithContext(ctx).Where("id = ? AND active", t.OrganizerID).First(&o).Error; err != nil {
		return nil, nil, notFound(err)
	}
	// Last use is kept to the hour: enough to spot stale tokens without a
	// write on every request.
	if now := a.now(); t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Hour {
		if err := a.db.W.WithContext(ctx).Model(&t).Update("last_used_at", now).Error; err != nil {
			return nil, nil, wrap("token last use", err)
		}
	}
	return &o, &t, nil
}

// ListAPITokens lists an organizer's tokens, newest first.
func (a *Accounts) ListAPITokens(ctx context.Context, organizerID uint) ([]models.APIToken, error) {
	var out []models.APIToken
	err := a.db.R.WithContext(ctx).Where("organizer_id = ?", organizerID).Order("id DESC").Find(&out).Error
	return out, wrap("list tokens", err)
}

// RevokeAPIToken stops a token from working. Organizers revoke their own.
func (a *Accounts) RevokeAPIToken(ctx context.Context, organizerID, tokenID uint) error {
	res := a.db.W.WithContext(ctx).Model(&models.APIToken{}).
		Where("id = ? AND organizer_id = ? AND revoked_at IS NULL", tokenID, organizerID).
		Update("revoked_at", a.now())
	if res.Error != nil {
		return wrap("revoke token", res.Error)
	}
	if res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return nil
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.ErrNotFound
	}
	return err
}

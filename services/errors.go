// Package services holds Sinau's business rules. Handlers and background
// jobs call these methods; each workflow that writes several rows runs in one
// transaction.
package services

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"sinau/i18n"
)

// Errors the handlers map to HTTP statuses in one place.
var (
	ErrForbidden      = errors.New("forbidden")
	ErrBadCredentials = errors.New("bad credentials")
	ErrSetupClosed    = errors.New("setup closed")
)

// ConflictError is a request that cannot be applied to the current state
// (409). Code is stable for API clients.
type ConflictError struct {
	Code string
	// Details lists what the caller should look at, e.g. the warnings of
	// a report that does not fit its webinar.
	Details []i18n.Msg
}

func (e *ConflictError) Error() string { return "conflict: " + e.Code }

// FieldError is one field's problem: a catalog key suffix (err.<Code>) and
// its arguments.
type FieldError struct {
	Code string
	Args []any
}

// ValidationError lists the fields that are wrong (422).
type ValidationError struct {
	Fields map[string]FieldError
}

func (e *ValidationError) Error() string {
	names := make([]string, 0, len(e.Fields))
	for f, fe := range e.Fields {
		names = append(names, f+": "+fe.Code)
	}
	sort.Strings(names)
	return "invalid: " + strings.Join(names, ", ")
}

// Invalid builds a ValidationError for one field.
func Invalid(field, code string, args ...any) *ValidationError {
	v := &validator{}
	v.add(field, code, args...)
	return v.errs
}

// validator collects field errors; only the first problem of a field counts.
type validator struct {
	errs *ValidationError
}

func (v *validator) add(field, code string, args ...any) {
	if v.errs == nil {
		v.errs = &ValidationError{Fields: map[string]FieldError{}}
	}
	if _, ok := v.errs.Fields[field]; !ok {
		v.errs.Fields[field] = FieldError{Code: code, Args: args}
	}
}

func (v *validator) has(field string) bool {
	if v.errs == nil {
		return false
	}
	_, ok := v.errs.Fields[field]
	return ok
}

func (v *validator) err() error {
	if v.errs == nil {
		return nil
	}
	return v.errs
}

// text checks a free-text field: required or not, a maximum length in
// characters, and no control characters other than line breaks and tabs.
func (v *validator) text(field, value string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(value) == "":
		v.add(field, "required")
	case !utf8.ValidString(value):
		v.add(field, "invalid")
	case utf8.RuneCountInString(value) > max:
		v.add(field, "too_long", max)
	case strings.ContainsFunc(value, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' && r != '\t' }):
		v.add(field, "invalid")
	}
}

func (v *validator) oneOf(field, value string, allowed []string) {
	if value == "" {
		v.add(field, "required")
		return
	}
	for _, a := range allowed {
		if a == value {
			return
		}
	}
	v.add(field, "unknown")
}

func (v *validator) email(field, value string, required bool) {
	if value == "" {
		if required {
			v.add(field, "required")
		}
		return
	}
	if len(value) > 254 || !ValidEmail(value) {
		v.add(field, "email")
	}
}

func (v *validator) httpURL(field, value string, max int) {
	if value == "" {
		return
	}
	if len(value) > max {
		v.add(field, "too_long", max)
		return
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(field, "url")
	}
}

// ValidEmail accepts a bare address (no display name) with a dotted domain.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// NormalizeEmail trims and lower-cases an address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

package services

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"sinau/models"
	"sinau/regions"
)

// Limits on registration fields.
const (
	MaxAnswer       = 1000
	MaxOrganisation = 200
	MaxQuestions    = 20
	MaxChoices      = 20
	MaxChoiceLen    = 200
	MaxLabel        = 300
)

// FormConfig says, per optional field, whether the registration form hides
// it, asks for it, or requires it.
type FormConfig map[string]string

// DefaultFormConfig is what a new webinar asks: the programme portal's usual
// fields, phone (WhatsApp) and regency required.
func DefaultFormConfig() FormConfig {
	return FormConfig{
		models.FieldPhone: models.FieldRequired, models.FieldGender: models.FieldOptional,
		models.FieldAgeRange: models.FieldOptional, models.FieldOccupation: models.FieldOptional,
		models.FieldOrganisation: models.FieldOptional, models.FieldRegency: models.FieldRequired,
	}
}

// ParseFormConfig reads a webinar's stored config over the defaults.
func ParseFormConfig(raw string) FormConfig {
	c := DefaultFormConfig()
	if raw == "" {
		return c
	}
	var stored map[string]string
	if json.Unmarshal([]byte(raw), &stored) != nil {
		return c
	}
	for _, f := range models.FormFields {
		if m, ok := stored[f]; ok && validMode(m) {
			c[f] = m
		}
	}
	return c
}

func validMode(m string) bool {
	return m == models.FieldOff || m == models.FieldOptional || m == models.FieldRequired
}

// Shown reports whether the form asks for field.
func (c FormConfig) Shown(field string) bool { return c[field] != models.FieldOff }

// Required reports whether the form requires field.
func (c FormConfig) Required(field string) bool { return c[field] == models.FieldRequired }

// QuestionChoices decodes a question's choices.
func QuestionChoices(q *models.Question) []string {
	var out []string
	json.Unmarshal([]byte(q.Choices), &out)
	return out
}

// RegistrationInput is what a participant (or an organizer adding someone)
// submits. Answers hold a string for text and single-choice questions and a
// []string for multiple choice, keyed by question id.
type RegistrationInput struct {
	Name         string
	Email        string
	Phone        string
	Gender       string
	AgeRange     string
	Occupation   string
	Organisation string
	RegencyCode  string
	Answers      map[string]any
	Consent      bool
	Ref          string
	Lang         string
	Source       string
}

// indonesianMobile is the shape of nearly every number typed here: an
// Indonesian mobile (08…, 628…, +628…) with 9 to 12 digits after the 8.
var indonesianMobile = regexp.MustCompile(`^(?:\+?62|0)(8[1-9][0-9]{7,10})$`)

// NormalizePhone returns a phone number in E.164, reading numbers without a
// country code as Indonesian (0812… → +62812…). Indonesian mobiles take a
// quick path; anything else is checked by libphonenumber's rules.
func NormalizePhone(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > MaxPhone {
		return "", false
	}
	for _, r := range raw {
		if !strings.ContainsRune("0123456789+-() .", r) {
			return "", false
		}
	}
	compact := strings.NewReplacer(" ", "", "-", "", ".", "").Replace(raw)
	if m := indonesianMobile.FindStringSubmatch(compact); m != nil {
		return "+62" + m[1], true
	}
	if strings.HasPrefix(raw, "62") {
		raw = "+" + raw
	}
	n, err := phonenumbers.Parse(raw, "ID")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}

// checkRegistration validates and normalises in against the webinar's form;
// it returns the answers as stored JSON.
func checkRegistration(in *RegistrationInput, cfg FormConfig, questions []models.Question, requireConsent bool) (string, error) {
	v := &validator{}
	in.Name = strings.TrimSpace(in.Name)
	in.Email = NormalizeEmail(in.Email)
	in.Organisation = strings.TrimSpace(in.Organisation)
	v.text("name", in.Name, true, MaxName)
	v.email("email", in.Email, true)

	optional := func(field, value string, check func()) {
		switch {
		case !cfg.Shown(field):
		case value == "":
			if cfg.Required(field) {
				v.add(field, "required")
			}
		default:
			check()
		}
	}
	if !cfg.Shown(models.FieldPhone) {
		in.Phone = ""
	}
	optional(models.FieldPhone, strings.TrimSpace(in.Phone), func() {
		if p, ok := NormalizePhone(in.Phone); ok {
			in.Phone = p
		} else {
			v.add("phone", "phone")
		}
	})
	optional(models.FieldGender, in.Gender, func() { v.oneOf("gender", in.Gender, models.Genders) })
	optional(models.FieldAgeRange, in.AgeRange, func() { v.oneOf("age_range", in.AgeRange, models.AgeRanges) })
	optional(models.FieldOccupation, in.Occupation, func() { v.oneOf("occupation", in.Occupation, models.Occupations) })
	optional(models.FieldOrganisation, in.Organisation, func() { v.text("organisation", in.Organisation, false, MaxOrganisation) })
	optional(models.FieldRegency, in.RegencyCode, func() {
		if code, ok := regions.NormalizeRegencyCode(in.RegencyCode); ok {
			in.RegencyCode = code
		} else {
			v.add("regency_code", "unknown")
		}
	})
	for _, f := range []struct {
		field string
		value *string
	}{{models.FieldGender, &in.Gender}, {models.FieldAgeRange, &in.AgeRange}, {models.FieldOccupation, &in.Occupation},
		{models.FieldOrganisation, &in.Organisation}, {models.FieldRegency, &in.RegencyCode}} {
		if !cfg.Shown(f.field) {
			*f.value = ""
		}
	}

	answers := map[string]any{}
	known := map[string]bool{}
	for _, q := range questions {
		key := strconv.FormatUint(uint64(q.ID), 10)
		known[key] = true
		field := "answers." + key
		raw, given := in.Answers[key]
		choices := QuestionChoices(&q)
		switch q.Kind {
		case models.QuestionMultiple:
			picked, ok := stringList(raw)
			if given && raw != nil && !ok {
				v.add(field, "invalid")
				continue
			}
			if len(picked) == 0 {
				if q.Required {
					v.add(field, "required")
				}
				continue
			}
			seen := map[string]bool{}
			for _, p := range picked {
				if !slices.Contains(choices, p) || seen[p] {
					v.add(field, "choice")
				}
				seen[p] = true
			}
			answers[key] = picked
		default:
			s, ok := raw.(string)
			if given && raw != nil && !ok {
				v.add(field, "invalid")
				continue
			}
			s = strings.TrimSpace(s)
			if s == "" {
				if q.Required {
					v.add(field, "required")
				}
				continue
			}
			if q.Kind == models.QuestionSingle && !slices.Contains(choices, s) {
				v.add(field, "choice")
				continue
			}
			v.text(field, s, false, MaxAnswer)
			answers[key] = s
		}
	}
	for key := range in.Answers {
		if !known[key] {
			v.add("answers."+key, "unknown_question")
		}
	}
	if requireConsent && !in.Consent {
		v.add("consent", "consent")
	}
	if err := v.err(); err != nil {
		return "", err
	}
	b, _ := json.Marshal(answers)
	return string(b), nil
}

// stringList accepts a []string or a JSON array of strings as decoded into any.
func stringList(raw any) ([]string, bool) {
	switch x := raw.(type) {
	case nil:
		return nil, true
	case []string:
		return x, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out, true
	}
	return nil, false
}

// DecodeAnswers reads stored answers for display.
func DecodeAnswers(raw string) map[string]any {
	out := map[string]any{}
	json.Unmarshal([]byte(raw), &out)
	return out
}

// AnswerText writes a decoded answer as text: a choice or text as it is,
// several choices joined with sep, nothing when unanswered.
func AnswerText(v any, sep string) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, fmt.Sprint(e))
		}
		return strings.Join(parts, sep)
	}
	return ""
}

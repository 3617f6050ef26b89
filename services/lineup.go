package services

import (
	"context"
	"errors"
	"slices"
	"strings"

	"gorm.io/gorm"

	"sinau/models"
)

// Limits on people and line-up fields.
const (
	MaxName        = 120
	MaxAffiliation = 200
	MaxTopic       = 300
	MaxBio         = 2000
	MaxPhone       = 30
	MaxPersonTitle = 120
)

// PersonInput describes a person in the directory.
type PersonInput struct {
	Name        string
	Email       string
	Phone       string
	Affiliation string
	Title       string
	Bio         string
}

func (p *PersonInput) normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.Email = NormalizeEmail(p.Email)
	p.Phone = strings.TrimSpace(p.Phone)
	p.Affiliation = strings.TrimSpace(p.Affiliation)
	p.Title = strings.TrimSpace(p.Title)
	p.Bio = strings.TrimSpace(p.Bio)
}

func (p *PersonInput) check(v *validator, prefix string) {
	v.text(prefix+"name", p.Name, true, MaxName)
	v.email(prefix+"email", p.Email, false)
	v.text(prefix+"phone", p.Phone, false, MaxPhone)
	v.text(prefix+"affiliation", p.Affiliation, false, MaxAffiliation)
	v.text(prefix+"title", p.Title, false, MaxPersonTitle)
	v.text(prefix+"bio", p.Bio, false, MaxBio)
}

// LineupInput places a person in a line-up: an existing one (PersonID) or
// one described by Person, found again by email when it has one.
type LineupInput struct {
	Role     string
	Pillar   string
	Topic    string
	Position *int
	PersonID uint
	Person   PersonInput
}

func (in *LineupInput) check(v *validator, withPerson bool) {
	in.Role = strings.TrimSpace(in.Role)
	in.Pillar = strings.TrimSpace(in.Pillar)
	in.Topic = strings.TrimSpace(in.Topic)
	v.oneOf("role", in.Role, models.LineupRoles)
	switch {
	case in.Role == models.RoleSpeaker:
		v.oneOf("pillar", in.Pillar, models.Pillars)
	case in.Pillar != "":
		v.add("pillar", "speaker_only")
	}
	v.text("topic", in.Topic, false, MaxTopic)
	if in.Position != nil && (*in.Position < 0 || *in.Position > 1000) {
		v.add("order", "range", 0, 1000)
	}
	if withPerson && in.PersonID == 0 {
		in.Person.normalize()
		in.Person.check(v, "person.")
	}
}

// AddLineupEntry adds someone to a webinar's line-up.
func (s *Webinars) AddLineupEntry(ctx context.Context, webinarID uint, in LineupInput) (*models.LineupEntry, error) {
	v := &validator{}
	in.check(v, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	var entry models.LineupEntry
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireOpenWebinar(tx, webinarID); err != nil {
			return err
		}
		personID, err := resolvePerson(tx, in)
		if err != nil {
			return err
		}
		pos := 0
		if in.Position != nil {
			pos = *in.Position
		} else if err := tx.Model(&models.LineupEntry{}).Where("webinar_id = ?", webinarID).
			Select("COALESCE(MAX(position), 0) + 1").Scan(&pos).Error; err != nil {
			return err
		}
		entry = models.LineupEntry{WebinarID: webinarID, PersonID: personID, Role: in.Role, Pillar: optional(in.Pillar), Topic: in.Topic, Position: pos}
		return tx.Omit("Person").Create(&entry).Error
	})
	if err != nil {
		return nil, err
	}
	return s.LineupEntry(ctx, webinarID, entry.ID)
}

// UpdateLineupEntry changes an entry's role, pillar, topic and position.
func (s *Webinars) UpdateLineupEntry(ctx context.Context, webinarID, entryID uint, in LineupInput) (*models.LineupEntry, error) {
	v := &validator{}
	in.check(v, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	updates := map[string]any{"role": in.Role, "pillar": optional(in.Pillar), "topic": in.Topic, "updated_at": s.now()}
	if in.Position != nil {
		updates["position"] = *in.Position
	}
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireOpenWebinar(tx, webinarID); err != nil {
			return err
		}
		res := tx.Model(&models.LineupEntry{}).Where("id = ? AND webinar_id = ?", entryID, webinarID).Updates(updates)
		if res.Error == nil && res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return res.Error
	})
	if err != nil {
		return nil, err
	}
	return s.LineupEntry(ctx, webinarID, entryID)
}

// RemoveLineupEntry takes someone off a line-up; the person stays in the
// directory.
func (s *Webinars) RemoveLineupEntry(ctx context.Context, webinarID, entryID uint) error {
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireOpenWebinar(tx, webinarID); err != nil {
			return err
		}
		res := tx.Where("id = ? AND webinar_id = ?", entryID, webinarID).Delete(&models.LineupEntry{})
		if res.Error == nil && res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return res.Error
	})
}

// MoveLineupEntry swaps an entry with its neighbour above (delta < 0) or
// below (delta > 0), renumbering positions 1..n so they stay distinct.
func (s *Webinars) MoveLineupEntry(ctx context.Context, webinarID, entryID uint, delta int) error {
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireOpenWebinar(tx, webinarID); err != nil {
			return err
		}
		return moveByOne(tx, &models.LineupEntry{}, webinarID, entryID, delta)
	})
}

// moveByOne swaps row id of a webinar's ordered rows (line-up entries,
// run-sheet blocks) with its neighbour above (delta < 0) or below, and
// numbers the rows 1..n so positions stay distinct.
func moveByOne(tx *gorm.DB, model any, webinarID, id uint, delta int) error {
	type row struct {
		ID       uint
		Position int
	}
	var rows []row
	if err := tx.Model(model).Select("id, position").Where("webinar_id = ?", webinarID).Order("position, id").Scan(&rows).Error; err != nil {
		return err
	}
	i := slices.IndexFunc(rows, func(r row) bool { return r.ID == id })
	if i < 0 {
		return models.ErrNotFound
	}
	j := i + 1
	if delta < 0 {
		j = i - 1
	}
	if j >= 0 && j < len(rows) {
		rows[i], rows[j] = rows[j], rows[i]
	}
	for pos, r := range rows {
		if r.Position != pos+1 {
			if err := tx.Model(model).Where("id = ?", r.ID).Update("position", pos+1).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// LineupEntry loads one entry of a webinar with its person.
func (s *Webinars) LineupEntry(ctx context.Context, webinarID, entryID uint) (*models.LineupEntry, error) {
	var e models.LineupEntry
	err := s.db.R.WithContext(ctx).Preload("Person").Where("id = ? AND webinar_id = ?", entryID, webinarID).First(&e).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &e, nil
}

// requireOpenWebinar refuses line-up changes to an unknown webinar (404) or
// a cancelled or completed one (409), like changes to its fields.
func requireOpenWebinar(tx *gorm.DB, id uint) error {
	var w models.Webinar
	if err := tx.Select("id, status").First(&w, id).Error; err != nil {
		return notFound(err)
	}
	if w.Status == models.StatusCancelled || w.Status == models.StatusCompleted {
		return &ConflictError{Code: "webinar_closed"}
	}
	return nil
}

// resolvePerson finds the line-up's person: by id, by email, or new.
func resolvePerson(tx *gorm.DB, in LineupInput) (uint, error) {
	if in.PersonID != 0 {
		var n int64
		if err := tx.Model(&models.Person{}).Where("id = ?", in.PersonID).Count(&n).Error; err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, Invalid("person_id", "unknown")
		}
		return in.PersonID, nil
	}
	p := in.Person
	if p.Email != "" {
		var existing models.Person
		err := tx.Where("email = ?", p.Email).First(&existing).Error
		if err == nil {
			return existing.ID, nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return 0, err
		}
	}
	person := models.Person{Name: p.Name, Email: optional(p.Email), Phone: p.Phone, Affiliation: p.Affiliation, Title: p.Title, Bio: p.Bio}
	if err := tx.Create(&person).Error; err != nil {
		return 0, err
	}
	return person.ID, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

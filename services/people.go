package services

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"sinau/models"
)

// People is the directory of speakers, moderators and guests.
type People struct {
	db  *models.DB
	now func() time.Time
}

// NewPeople builds the people directory service.
func NewPeople(db *models.DB, now func() time.Time) *People { return &People{db: db, now: now} }

// PersonWithCount is a directory row: a person and how many line-ups they are in.
type PersonWithCount struct {
	models.Person
	Webinars int
}

// List returns one page of people whose name, email or affiliation matches q.
func (s *People) List(ctx context.Context, q string, page int) ([]PersonWithCount, int64, error) {
	if page < 1 {
		page = 1
	}
	db := s.db.R.WithContext(ctx).Model(&models.Person{})
	if q = strings.TrimSpace(q); q != "" {
		like := "%" + escapeLike(strings.ToLower(q)) + "%"
		db = db.Where(`lower(name) LIKE ? ESCAPE '\' OR lower(email) LIKE ? ESCAPE '\' OR lower(affiliation) LIKE ? ESCAPE '\'`, like, like, like)
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, wrap("count people", err)
	}
	var out []PersonWithCount
	err := db.Select("people.*, (SELECT COUNT(*) FROM lineup_entries le WHERE le.person_id = people.id) AS webinars").
		Order("name, id").Limit(50).Offset((page - 1) * 50).Scan(&out).Error
	return out, total, wrap("list people", err)
}

// Get loads one person.
func (s *People) Get(ctx context.Context, id uint) (*models.Person, error) {
	var p models.Person
	if err := s.db.R.WithContext(ctx).First(&p, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}

// Appearances lists the line-up entries of a person with their webinars.
func (s *People) Appearances(ctx context.Context, id uint) ([]models.Webinar, error) {
	var out []models.Webinar
	err := s.db.R.WithContext(ctx).
		Where("id IN (SELECT webinar_id FROM lineup_entries WHERE person_id = ?)", id).
		Order("starts_at DESC").Find(&out).Error
	return out, wrap("appearances", err)
}

// Update edits a person's details.
func (s *People) Update(ctx context.Context, id uint, in PersonInput) (*models.Person, error) {
	in.normalize()
	v := &validator{}
	in.check(v, "")
	if err := v.err(); err != nil {
		return nil, err
	}
	res := s.db.W.WithContext(ctx).Model(&models.Person{}).Where("id = ?", id).Updates(map[string]any{
		"name": in.Name, "email": optional(in.Email), "phone": in.Phone, "affiliation": in.Affiliation,
		"title": in.Title, "bio": in.Bio, "updated_at": s.now(),
	})
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
			return nil, Invalid("email", "taken")
		}
		return nil, wrap("update person", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, models.ErrNotFound
	}
	return s.Get(ctx, id)
}

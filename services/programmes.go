package services

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"sinau/models"
)

// Programmes manages named series of webinars.
type Programmes struct {
	db  *models.DB
	now func() time.Time
}

// NewProgrammes builds the programme service.
func NewProgrammes(db *models.DB, now func() time.Time) *Programmes {
	return &Programmes{db: db, now: now}
}

// ProgrammeInput is what creating or editing a programme takes.
type ProgrammeInput struct {
	Name        string
	Description string
}

func (in *ProgrammeInput) check() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	v := &validator{}
	v.text("name", in.Name, true, MaxTitle)
	v.text("description", in.Description, false, MaxDescription)
	return v.err()
}

// Create adds a programme with a slug made from its name.
func (s *Programmes) Create(ctx context.Context, in ProgrammeInput) (*models.Programme, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	p := &models.Programme{Name: in.Name, Description: in.Description, Slug: Slugify(in.Name, 60)}
	err := s.db.W.WithContext(ctx).Create(p).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		p.ID = 0
		p.Slug += "-" + shortCode(4)
		err = s.db.W.WithContext(ctx).Create(p).Error
	}
	if err != nil {
		return nil, wrap("create programme", err)
	}
	return p, nil
}

// Update renames or re-describes a programme; its slug stays, so links hold.
func (s *Programmes) Update(ctx context.Context, id uint, in ProgrammeInput) (*models.Programme, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	res := s.db.W.WithContext(ctx).Model(&models.Programme{}).Where("id = ?", id).
		Updates(map[string]any{"name": in.Name, "description": in.Description, "updated_at": s.now()})
	if res.Error != nil {
		return nil, wrap("update programme", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, models.ErrNotFound
	}
	return s.Get(ctx, id)
}

// List returns every programme by name.
func (s *Programmes) List(ctx context.Context) ([]models.Programme, error) {
	var out []models.Programme
	err := s.db.R.WithContext(ctx).Order("name").Find(&out).Error
	return out, wrap("list programmes", err)
}

// Get loads a programme by id.
func (s *Programmes) Get(ctx context.Context, id uint) (*models.Programme, error) {
	var p models.Programme
	if err := s.db.R.WithContext(ctx).First(&p, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}

// BySlug loads a programme by its slug.
func (s *Programmes) BySlug(ctx context.Context, slug string) (*models.Programme, error) {
	var p models.Programme
	if err := s.db.R.WithContext(ctx).Where("slug = ?", slug).First(&p).Error; err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}

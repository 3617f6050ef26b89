package services

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"sinau/models"
)

// Channels are partners' tracking links and the webinar's form settings.
type Channels struct {
	db  *models.DB
	now func() time.Time
}

// NewChannels builds the channel service.
func NewChannels(db *models.DB, now func() time.Time) *Channels { return &Channels{db: db, now: now} }

// ChannelStats is a channel with the registrations it brought.
type ChannelStats struct {
	models.Channel
	Registrations int
}

// Create adds a tracking link with a short random code.
func (s *Channels) Create(ctx context.Context, webinarID uint, name string) (*models.Channel, error) {
	name = strings.TrimSpace(name)
	v := &validator{}
	v.text("name", name, true, MaxName)
	if err := v.err(); err != nil {
		return nil, err
	}
	ch := &models.Channel{WebinarID: webinarID, Name: name, CreatedAt: s.now()}
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireOpenWebinar(tx, webinarID); err != nil {
			return err
		}
		for range 3 {
			ch.ID, ch.Code = 0, shortCode(8)
			err := tx.Create(ch).Error
			if !errors.Is(err, gorm.ErrDuplicatedKey) {
				return err
			}
		}
		return errors.New("no free channel code")
	})
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// List returns a webinar's channels with their counts of active
// registrations, most productive first.
func (s *Channels) List(ctx context.Context, webinarID uint) ([]ChannelStats, error) {
	var out []ChannelStats
	err := s.db.R.WithContext(ctx).Raw(`SELECT c.*, (SELECT COUNT(*) FROM registrations r WHERE r.channel_id = c.id AND r.status <> ?) AS registrations
		FROM channels c WHERE c.webinar_id = ? ORDER BY registrations DESC, c.id`, models.RegCancelled, webinarID).Scan(&out).Error
	return out, wrap("list channels", err)
}

// Names maps a webinar's channel ids to their names.
func (s *Channels) Names(ctx context.Context, webinarID uint) (map[uint]string, error) {
	var rows []struct {
		ID   uint
		Name string
	}
	if err := s.db.R.WithContext(ctx).Raw(`SELECT id, name FROM channels WHERE webinar_id = ?`, webinarID).Scan(&rows).Error; err != nil {
		return nil, wrap("channel names", err)
	}
	out := make(map[uint]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// Follow counts a click on a tracking link and returns the channel.
func (s *Channels) Follow(ctx context.Context, code string) (*models.Channel, error) {
	if len(code) > 20 {
		return nil, models.ErrNotFound
	}
	var ch models.Channel
	if err := s.db.R.WithContext(ctx).Where("code = ?", code).First(&ch).Error; err != nil {
		return nil, notFound(err)
	}
	if err := s.db.W.WithContext(ctx).Exec(`UPDATE channels SET clicks = clicks + 1 WHERE id = ?`, ch.ID).Error; err != nil {
		return nil, wrap("count click", err)
	}
	return &ch, nil
}

// SetForm stores which optional fields a webinar's form shows or requires,
// and its registration deadline.
func (s *Channels) SetForm(ctx context.Context, webinarID uint, cfg FormConfig, deadline *time.Time) error {
	v := &validator{}
	for _, f := range models.FormFields {
		if !validMode(cfg[f]) {
			v.add("field."+f, "unknown")
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	b, _ := json.Marshal(cfg)
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireOpenWebinar(tx, webinarID); err != nil {
			return err
		}
		var w models.Webinar
		if err := tx.Select("id, starts_at").First(&w, webinarID).Error; err != nil {
			return err
		}
		if deadline != nil && deadline.After(w.StartsAt) {
			return Invalid("registration_deadline", "after_start")
		}
		return tx.Model(&models.Webinar{}).Where("id = ?", webinarID).
			Updates(map[string]any{"form_fields": string(b), "registration_deadline": deadline}).Error
	})
}

// QuestionInput is a custom question on a registration form.
type QuestionInput struct {
	Kind     string
	Label    string
	Choices  []string
	Required bool
}

// AddQuestion appends a question to a webinar's form.
func (s *Channels) AddQuestion(ctx context.Context, webinarID uint, in QuestionInput) (*models.Question, error) {
	in.Label = strings.TrimSpace(in.Label)
	v := &validator{}
	v.oneOf("kind", in.Kind, []string{models.QuestionText, models.QuestionSingle, models.QuestionMultiple})
	v.text("label", in.Label, true, MaxLabel)
	var choices []string
	for _, c := range in.Choices {
		if c = strings.TrimSpace(c); c != "" {
			v.text("choices", c, false, MaxChoiceLen)
			choices = append(choices, c)
		}
	}
	if in.Kind != models.QuestionText && len(choices) < 2 {
		v.add("choices", "min_choices", 2)
	}
	if len(choices) > MaxChoices {
		v.add("choices", "max", MaxChoices)
	}
	if in.Kind == models.QuestionText {
		choices = nil
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if choices == nil {
		choices = []string{}
	}
	b, _ := json.Marshal(choices)
	now := s.now()
	q := &models.Question{WebinarID: webinarID, Kind: in.Kind, Label: in.Label, Choices: string(b), Required: in.Required, CreatedAt: now, UpdatedAt: now}
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireOpenWebinar(tx, webinarID); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&models.Question{}).Where("webinar_id = ?", webinarID).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxQuestions {
			return Invalid("label", "max_questions", MaxQuestions)
		}
		q.Position = int(n) + 1
		return tx.Create(q).Error
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// RemoveQuestion deletes a question; answers already given stay stored.
func (s *Channels) RemoveQuestion(ctx context.Context, webinarID, questionID uint) error {
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireOpenWebinar(tx, webinarID); err != nil {
			return err
		}
		res := tx.Where("id = ? AND webinar_id = ?", questionID, webinarID).Delete(&models.Question{})
		if res.Error == nil && res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return res.Error
	})
}

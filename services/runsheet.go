package services

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"sinau/models"
)

// SegmentView is a run-sheet block with its times.
type SegmentView struct {
	models.Segment
	Start, End time.Time
	Entry      *models.LineupEntry
	Overrun    bool // ends after the webinar does
}

// RunSheet lists a webinar's segments with their times, counted from the
// start, and whether the last runs past the scheduled end.
func (s *Speakers) RunSheet(ctx context.Context, w *models.Webinar) ([]SegmentView, bool, error) {
	var segs []models.Segment
	if err := s.db.R.WithContext(ctx).Where("webinar_id = ?", w.ID).Order("position, id").Find(&segs).Error; err != nil {
		return nil, false, wrap("run-sheet", err)
	}
	entries := map[uint]*models.LineupEntry{}
	for i := range w.Lineup {
		entries[w.Lineup[i].ID] = &w.Lineup[i]
	}
	out := make([]SegmentView, 0, len(segs))
	at, overrun := w.StartsAt, false
	for _, sg := range segs {
		v := SegmentView{Segment: sg, Start: at, End: at.Add(time.Duration(sg.DurationMinutes) * time.Minute)}
		if sg.LineupEntryID != nil {
			v.Entry = entries[*sg.LineupEntryID]
		}
		v.Overrun = v.End.After(w.EndsAt)
		overrun = overrun || v.Overrun
		at = v.End
		out = append(out, v)
	}
	return out, overrun, nil
}

// SegmentInput is a run-sheet block being added.
type SegmentInput struct {
	Kind            string
	Title           string
	LineupEntryID   *uint
	DurationMinutes int
}

// AddSegment appends a block to a webinar's run-sheet.
func (s *Speakers) AddSegment(ctx context.Context, webinarID uint, in SegmentInput) error {
	in.Title = strings.TrimSpace(in.Title)
	v := &validator{}
	v.oneOf("kind", in.Kind, models.SegmentKinds)
	v.text("title", in.Title, false, MaxSegmentTitle)
	if in.DurationMinutes < 1 || in.DurationMinutes > MaxSegmentDuration {
		v.add("duration_minutes", "range", 1, MaxSegmentDuration)
	}
	if err := v.err(); err != nil {
		return err
	}
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireOpenWebinar(tx, webinarID); err != nil {
			return err
		}
		if in.LineupEntryID != nil {
			if _, err := s.entry(tx, webinarID, *in.LineupEntryID); err != nil {
				return Invalid("lineup_entry_id", "unknown")
			}
		}
		var pos int
		if err := tx.Model(&models.Segment{}).Where("webinar_id = ?", webinarID).Select("COALESCE(MAX(position), 0) + 1").Scan(&pos).Error; err != nil {
			return err
		}
		return tx.Create(&models.Segment{WebinarID: webinarID, Position: pos, Kind: in.Kind, Title: in.Title,
			LineupEntryID: in.LineupEntryID, DurationMinutes: in.DurationMinutes, CreatedAt: s.now()}).Error
	})
}

// RemoveSegment deletes a block.
func (s *Speakers) RemoveSegment(ctx context.Context, webinarID, id uint) error {
	res := s.db.W.WithContext(ctx).Where("id = ? AND webinar_id = ?", id, webinarID).Delete(&models.Segment{})
	if res.Error == nil && res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return res.Error
}

// MoveSegment swaps a block with the one above (delta < 0) or below.
func (s *Speakers) MoveSegment(ctx context.Context, webinarID, id uint, delta int) error {
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return moveByOne(tx, &models.Segment{}, webinarID, id, delta)
	})
}

// segmentDefaults are a usual session's lengths in minutes.
var segmentDefaults = map[string]int{"opening": 10, "keynote": 15, "speaker": 20, "kol": 15, "qa": 20, "closing": 10}

// GenerateSegments drafts a run-sheet from the line-up: opening, keynotes,
// each speaker and key opinion leader in line-up order, Q&A and closing.
// It only fills an empty run-sheet.
func (s *Speakers) GenerateSegments(ctx context.Context, w *models.Webinar) error {
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Segment{}).Where("webinar_id = ?", w.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &ConflictError{Code: "runsheet_exists"}
		}
		now := s.now()
		pos := 0
		add := func(kind string, entry *uint) error {
			pos++
			return tx.Create(&models.Segment{WebinarID: w.ID, Position: pos, Kind: kind, LineupEntryID: entry,
				DurationMinutes: segmentDefaults[kind], CreatedAt: now}).Error
		}
		if err := add("opening", nil); err != nil {
			return err
		}
		for _, role := range []string{models.RoleKeynote, models.RoleSpeaker, models.RoleKOL} {
			for i := range w.Lineup {
				if e := w.Lineup[i]; e.Role == role {
					id := e.ID
					if err := add(role, &id); err != nil {
						return err
					}
				}
			}
		}
		if err := add("qa", nil); err != nil {
			return err
		}
		return add("closing", nil)
	})
}

package services

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"sinau/models"
)

// maxBatch bounds how many registrations one transaction writes.
const maxBatch = 256

// regJob is one registration waiting to be written.
type regJob struct {
	ctx       context.Context
	webinarID uint
	in        RegistrationInput
	answers   string
	channelID *uint

	res  *RegisterResult
	err  error
	lead bool          // set before wake: this job's goroutine writes the next batch
	wake chan struct{} // closed when the job is done or must lead
}

// groupCommit writes registrations in batches: SQLite takes one writer at
// a time and a commit costs far more than a row, so under load a single
// transaction writes every registration that arrived while the previous
// one ran. There is no background goroutine: the first caller to find the
// writer idle writes a batch, then hands the next batch to a waiting caller.
type groupCommit struct {
	mu    sync.Mutex
	queue []*regJob
	busy  bool
}

var (
	groupCommitsMu sync.Mutex
	groupCommits   = map[*models.DB]*groupCommit{}
)

// groupCommitFor returns the one group commit of a database, so every
// service writing registrations to it takes part in the same batches.
func groupCommitFor(db *models.DB) *groupCommit {
	groupCommitsMu.Lock()
	defer groupCommitsMu.Unlock()
	g, ok := groupCommits[db]
	if !ok {
		g = &groupCommit{}
		groupCommits[db] = g
	}
	return g
}

func (g *groupCommit) commit(s *Registrations, job *regJob) {
	g.mu.Lock()
	g.queue = append(g.queue, job)
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()
	if !lead {
		<-job.wake
		if !job.lead {
			return
		}
	}
	g.mu.Lock()
	n := min(len(g.queue), maxBatch)
	batch := append([]*regJob(nil), g.queue[:n]...)
	g.queue = g.queue[n:]
	g.mu.Unlock()

	s.writeBatch(batch)

	g.mu.Lock()
	var next *regJob
	if len(g.queue) > 0 {
		next = g.queue[0]
		next.lead = true
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	for _, j := range batch {
		if j != job {
			close(j.wake)
		}
	}
	if next != nil {
		close(next.wake)
	}
}

// writeBatch writes the jobs in one transaction. Should the transaction
// fail as a whole, each job is tried again alone, so one bad row cannot
// fail its neighbours.
func (s *Registrations) writeBatch(batch []*regJob) {
	if err := s.writeJobs(context.Background(), batch); err == nil {
		return
	} else if len(batch) == 1 {
		batch[0].res, batch[0].err = nil, err
		return
	}
	for _, j := range batch {
		if err := s.writeJobs(j.ctx, []*regJob{j}); err != nil {
			j.res, j.err = nil, err
		}
	}
}

// webinarState is what a batch needs of a webinar, kept in memory while the
// batch runs and written back once.
type webinarState struct {
	models.Webinar
	changed bool
}

func (s *Registrations) writeJobs(ctx context.Context, batch []*regJob) error {
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
		if !ok {
			return errors.New("registration batch: no SQL transaction")
		}
		existing, err := sqlTx.PrepareContext(ctx, `SELECT id, status, token, email, lang FROM registrations WHERE webinar_id = ? AND email = ?`)
		if err != nil {
			return err
		}
		defer existing.Close()
		insert, err := sqlTx.PrepareContext(ctx, `INSERT INTO registrations (webinar_id, token, status, waitlist_seq, name, email, phone, gender,
			age_range, occupation, organisation, regency_code, answers, lang, channel_id, source, consent_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insert.Close()
		mail, err := sqlTx.PrepareContext(ctx, enqueueSQL)
		if err != nil {
			return err
		}
		defer mail.Close()
		states := map[uint]*webinarState{}
		now := s.now()
		for _, j := range batch {
			st, ok := states[j.webinarID]
			if !ok {
				st = &webinarState{}
				if err := tx.Select("id, status, starts_at, registration_deadline, capacity, registered_count, waitlist_count, waitlist_next").
					First(&st.Webinar, j.webinarID).Error; err != nil {
					return notFound(err)
				}
				states[j.webinarID] = st
			}
			j.res, j.err = nil, nil
			if err := s.writeJob(ctx, tx, stmts{existing, insert, mail}, st, j, now); err != nil {
				return err
			}
		}
		for id, st := range states {
			if !st.changed {
				continue
			}
			if err := tx.Exec(`UPDATE webinars SET registered_count = ?, waitlist_count = ?, waitlist_next = ? WHERE id = ?`,
				st.RegisteredCount, st.WaitlistCount, st.WaitlistNext, id).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// writeJob applies one registration inside the batch's transaction. Rules
// that refuse the registration set the job's error; only database failures
// are returned, and they abort the batch.
// stmts are a batch's prepared statements.
type stmts struct {
	existing, insert, mail *sql.Stmt
}

func (s *Registrations) enqueue(ctx context.Context, st stmts, now time.Time, m Mail) error {
	args, err := s.outbox.args(now, m)
	if err != nil {
		return err
	}
	_, err = st.mail.ExecContext(ctx, args...)
	return err
}

func (s *Registrations) writeJob(ctx context.Context, tx *gorm.DB, sq stmts, st *webinarState, j *regJob, now time.Time) error {
	in := j.in
	if in.Source != "organizer" && !registrationOpen(&st.Webinar, now) {
		j.err = ErrRegistrationClosed
		return nil
	}
	if in.Source == "organizer" && (st.Status == models.StatusCancelled || st.Status == models.StatusCompleted) {
		j.err = ErrRegistrationClosed
		return nil
	}
	var old models.Registration
	err := sq.existing.QueryRowContext(ctx, j.webinarID, in.Email).Scan(&old.ID, &old.Status, &old.Token, &old.Email, &old.Lang)
	switch {
	case err == nil && old.Status != models.RegCancelled:
		old.WebinarID = j.webinarID
		j.res = &RegisterResult{Registration: &old, Already: true}
		bucket := now.Unix() / int64(linkResendWindow.Seconds())
		return s.enqueue(ctx, sq, now, Mail{Kind: KindLinkResend, Key: fmt.Sprintf("link-resend:%d:%d", old.ID, bucket),
			To: old.Email, Lang: in.Lang, WebinarID: j.webinarID, RegistrationID: old.ID})
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return err
	}
	reg := models.Registration{
		WebinarID: j.webinarID, Name: in.Name, Email: in.Email, Phone: in.Phone, Gender: in.Gender, AgeRange: in.AgeRange,
		Occupation: in.Occupation, Organisation: in.Organisation, RegencyCode: in.RegencyCode, Answers: j.answers,
		Lang: in.Lang, ChannelID: j.channelID, Source: in.Source, ConsentAt: now, CreatedAt: now, UpdatedAt: now,
	}
	res := &RegisterResult{Registration: &reg}
	if st.Capacity == 0 || st.RegisteredCount < st.Capacity {
		reg.Status = models.RegRegistered
		st.RegisteredCount++
	} else {
		reg.Status = models.RegWaitlisted
		seq := st.WaitlistNext
		reg.WaitlistSeq = &seq
		st.WaitlistNext++
		st.WaitlistCount++
		// The newest waitlisted person is last in line.
		res.Position = st.WaitlistCount
	}
	st.changed = true
	if old.ID != 0 {
		// A cancelled registration comes back to life under its old id and link.
		reg.ID, reg.Token, reg.CreatedAt = old.ID, old.Token, old.CreatedAt
		if err := tx.Model(&models.Registration{}).Where("id = ?", reg.ID).
			Updates(map[string]any{"status": reg.Status, "waitlist_seq": reg.WaitlistSeq, "name": reg.Name, "phone": reg.Phone,
				"gender": reg.Gender, "age_range": reg.AgeRange, "occupation": reg.Occupation, "organisation": reg.Organisation,
				"regency_code": reg.RegencyCode, "answers": reg.Answers, "lang": reg.Lang, "channel_id": reg.ChannelID,
				"source": reg.Source, "consent_at": now, "updated_at": now, "promoted_at": nil, "cancelled_at": nil}).Error; err != nil {
			return err
		}
	} else {
		reg.Token = NewToken()
		r, err := sq.insert.ExecContext(ctx, j.webinarID, reg.Token, reg.Status, reg.WaitlistSeq, reg.Name, reg.Email, reg.Phone, reg.Gender,
			reg.AgeRange, reg.Occupation, reg.Organisation, reg.RegencyCode, reg.Answers, reg.Lang, reg.ChannelID, reg.Source, now, now, now)
		if err != nil {
			return err
		}
		id, err := r.LastInsertId()
		if err != nil {
			return err
		}
		reg.ID = uint(id)
	}
	kind := KindConfirmation
	if reg.Status == models.RegWaitlisted {
		kind = KindWaitlisted
	}
	if err := s.enqueue(ctx, sq, now, Mail{Kind: kind, Key: fmt.Sprintf("%s:%d:%d", kind, reg.ID, now.UnixNano()),
		To: reg.Email, Lang: reg.Lang, WebinarID: j.webinarID, RegistrationID: reg.ID}); err != nil {
		return err
	}
	j.res = res
	return nil
}

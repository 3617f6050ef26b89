// Command sinau runs the Sinau webinar platform: a web server for organizers,
// speakers and participants of digital-literacy webinars.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Jakarta, Makassar and Jayapura on machines without zoneinfo

	"golang.org/x/crypto/bcrypt"

	"sinau/config"
	"sinau/handlers"
	"sinau/i18n"
	"sinau/mailer"
	"sinau/models"
	"sinau/services"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] == "demo" {
		cmd, args = "demo", args[1:]
	}
	cfg, err := config.Load("sinau", args, getenv, stdout)
	if errors.Is(err, config.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sinau: bad configuration:", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(cfg.UploadDir(), 0o750); err != nil {
		fmt.Fprintln(stderr, "sinau: data directory:", err)
		return 1
	}
	db, err := models.Open(ctx, cfg.DBPath())
	if err != nil {
		fmt.Fprintln(stderr, "sinau:", err)
		return 1
	}
	defer db.Close()
	if cmd == "demo" {
		res, err := services.SeedDemo(ctx, db, time.Now, bcrypt.DefaultCost)
		if err != nil {
			fmt.Fprintln(stderr, "sinau: demo:", err)
			return 1
		}
		fmt.Fprintf(stdout, "Demo data ready: %d webinars added (%d were already there).\n", res.Created, res.Existing)
		fmt.Fprintf(stdout, "Log in at %s/login as %s with password %s\n", cfg.BaseURL, services.DemoEmail, services.DemoPassword)
		return 0
	}
	if err := serve(ctx, cfg, db, logger); err != nil {
		logger.Error("server stopped", "error", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, cfg *config.Config, db *models.DB, logger *slog.Logger) error {
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	accounts := services.NewAccounts(db, time.Now, bcrypt.DefaultCost)
	setupToken, err := bootstrapAdmin(ctx, cfg, accounts, logger)
	if err != nil {
		return err
	}
	templates, _ := fs.Sub(assets, "templates")
	static, _ := fs.Sub(assets, "static")
	emails, _ := fs.Sub(templates, "emails")
	tickets := services.NewAttendance(db, time.Now)
	mail, err := mailer.New(mailer.Config{
		DB: db, Catalog: cat, Templates: emails, BaseURL: cfg.BaseURL, From: cfg.MailFrom, SMTP: cfg.SMTPURL,
		Workers: cfg.MailWorkers, Rate: cfg.MailRate, HourlyCap: cfg.MailHourlyCap, Now: time.Now, Logger: logger,
		TicketToken: tickets.CheckinToken,
	})
	if err != nil {
		return err
	}
	app, err := handlers.New(handlers.Deps{
		Config: cfg, Logger: logger, DB: db, Catalog: cat, Templates: templates, Static: static,
		Now: time.Now, BcryptCost: bcrypt.DefaultCost, SetupToken: setupToken, Mailer: mail,
	})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr: cfg.Addr, Handler: app.Routes(),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute,
	}
	go purgeSessions(ctx, accounts, logger)
	scheduler := services.NewScheduler(db, time.Now, cfg.BaseURL.Hostname())
	go schedule(ctx, scheduler, cfg.SchedulerEvery, mail, logger)
	mailDone := make(chan struct{})
	go func() {
		defer close(mailDone)
		if err := mail.Run(ctx); err != nil {
			logger.Error("mail workers stopped", "error", err)
		}
	}()
	if !mail.Enabled() {
		logger.Warn("SINAU_SMTP_URL is empty: mail is kept in the database and shown to organizers at /organizer/mail, not sent")
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	logger.Info("sinau listening", "addr", cfg.Addr, "base_url", cfg.BaseURL.String(), "data_dir", cfg.DataDir)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	<-mailDone
	return err
}

// bootstrapAdmin makes sure someone can log in: the configured admin, or a
// one-time setup link logged at start.
func bootstrapAdmin(ctx context.Context, cfg *config.Config, accounts *services.Accounts, logger *slog.Logger) (string, error) {
	n, err := accounts.CountOrganizers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	if cfg.AdminEmail != "" {
		_, err := accounts.CreateFirstAdmin(ctx, services.OrganizerInput{Name: "Admin", Email: cfg.AdminEmail, Password: cfg.AdminPassword})
		if err == nil {
			logger.Info("created the first admin", "email", cfg.AdminEmail)
		}
		return "", err
	}
	token := services.NewToken()
	logger.Warn("no organizer exists yet: open the setup link to create the first admin", "url", cfg.BaseURL.String()+"/setup?token="+token)
	return token, nil
}

// schedule runs the scheduler every interval: due reminders and follow-ups
// are found in the database each time, so a tick missed while the server
// was down is caught up by the next one.
func schedule(ctx context.Context, s *services.Scheduler, every time.Duration, mail *mailer.Mailer, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		res, err := s.Tick(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("scheduler", "error", err)
		case res.Queued > 0 || res.Skipped > 0:
			logger.Info("scheduler", "queued", res.Queued, "skipped", res.Skipped)
			mail.Wake()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func purgeSessions(ctx context.Context, accounts *services.Accounts, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := accounts.PurgeExpiredSessions(ctx); err != nil {
				logger.Error("purge sessions", "error", err)
			}
		}
	}
}

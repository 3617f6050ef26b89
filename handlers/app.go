// Package handlers is Sinau's HTTP layer: routes, middleware, page and API
// handlers. Handlers stay thin: bind, validate, call a service, render.
package handlers

import (
	"io/fs"
	"log/slog"
	"time"

	"sinau/config"
	"sinau/i18n"
	"sinau/mailer"
	"sinau/models"
	"sinau/services"
	"sinau/uploads"
)

// Deps is everything the HTTP layer needs, built in main.
type Deps struct {
	Config     *config.Config
	Logger     *slog.Logger
	DB         *models.DB
	Catalog    *i18n.Catalog
	Templates  fs.FS
	Static     fs.FS
	Now        func() time.Time
	BcryptCost int
	// Mailer renders queued mail for the Mail page and is woken when mail is
	// queued.
	Mailer *mailer.Mailer
	// SetupToken, when not empty, opens /setup?token=… to create the first
	// admin; it stops working once any organizer exists.
	SetupToken string
}

// App holds the handlers' dependencies; every handler is one of its methods.
type App struct {
	cfg        *config.Config
	log        *slog.Logger
	db         *models.DB
	cat        *i18n.Catalog
	views      *views
	static     fs.FS
	now        func() time.Time
	setupToken string

	accounts   *services.Accounts
	webinars   *services.Webinars
	people     *services.People
	programmes *services.Programmes
	regs       *services.Registrations
	channels   *services.Channels
	mailLog    *services.MailLog
	scheduler  *services.Scheduler
	announce   *services.Announcements
	attendance *services.Attendance
	speakers   *services.Speakers
	mailer     *mailer.Mailer
}

// New builds the App, parsing every template so a broken one fails here.
func New(d Deps) (*App, error) {
	v, err := loadViews(d.Templates, d.Static)
	if err != nil {
		return nil, err
	}
	store, err := uploads.NewStore(d.Config.UploadDir())
	if err != nil {
		return nil, err
	}
	return &App{
		cfg: d.Config, log: d.Logger, db: d.DB, cat: d.Catalog, views: v, static: d.Static, now: d.Now,
		setupToken: d.SetupToken,
		accounts:   services.NewAccounts(d.DB, d.Now, d.BcryptCost),
		webinars:   services.NewWebinars(d.DB, d.Now, d.Config.BaseURL.Hostname()),
		people:     services.NewPeople(d.DB, d.Now),
		programmes: services.NewProgrammes(d.DB, d.Now),
		regs:       services.NewRegistrations(d.DB, d.Now, d.Config.BaseURL.Hostname()),
		channels:   services.NewChannels(d.DB, d.Now),
		mailLog:    services.NewMailLog(d.DB, d.Now),
		scheduler:  services.NewScheduler(d.DB, d.Now, d.Config.BaseURL.Hostname()),
		announce:   services.NewAnnouncements(d.DB, d.Now, d.Config.BaseURL.Hostname()),
		attendance: services.NewAttendance(d.DB, d.Now),
		speakers:   services.NewSpeakers(d.DB, d.Now, d.Config.BaseURL.Hostname(), store, int64(d.Config.UploadMaxMB)<<20),
		mailer:     d.Mailer,
	}, nil
}

package handlers

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Routes is the whole HTTP handler: every route and middleware, and HEAD
// answered like GET.
func (a *App) Routes() http.Handler {
	e := a.echo()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			// The handler runs on a GET copy; net/http drops the body
			// because the request it answers is still HEAD.
			get := r.Clone(r.Context())
			get.Method = http.MethodGet
			r = get
		}
		e.ServeHTTP(w, r)
	})
}

func (a *App) echo() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.IPExtractor = a.ipExtractor()
	e.HTTPErrorHandler = a.handleError

	e.Use(middleware.RequestID())
	e.Use(a.requestLogger())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			a.log.Error("panic", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(a.securityHeaders)
	e.Use(a.language)
	// Uploads have their own, larger limit on their routes.
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "1M", Skipper: isUpload}))
	// The file may be SINAU_UPLOAD_MAX_MB MiB; the request around it gets
	// one more MiB for the multipart envelope and the other fields.
	upload := middleware.BodyLimit(fmt.Sprintf("%dMiB", a.cfg.UploadMaxMB+1))

	e.GET("/healthz", a.healthz)
	e.GET("/static/*", a.serveStatic)

	// Web routes get sessions and CSRF. They are registered one by one, not
	// as a group: an Echo group with an empty prefix would also claim every
	// unmatched path, the API's included.
	csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf",
		CookieName:     "sinau_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   a.cfg.SecureCookies(),
		CookieSameSite: http.SameSiteLaxMode,
		// A missing or wrong token is the same refusal: 403.
		ErrorHandler: func(error, echo.Context) error { return echo.NewHTTPError(http.StatusForbidden) },
	})
	web := []echo.MiddlewareFunc{a.loadSession, csrf}
	// One limiter for both ways of registering, so the form and the API
	// share a client's budget.
	regLimit := a.registerLimit()
	e.GET("/", a.catalog, web...)
	e.GET("/webinars/:slug", a.webinarPage, web...)
	e.POST("/webinars/:slug/register", a.register, append(web, regLimit...)...)
	e.GET("/registrations/:token", a.registrationPage, web...)
	e.GET("/registrations/:token/calendar.ics", a.registrationCalendar, web...)
	e.POST("/registrations/:token/cancel", a.cancelRegistration, web...)
	e.POST("/registrations/:token/code", a.enterCode, append(web, a.rateLimit(10))...)
	e.GET("/registrations/:token/qr.png", a.registrationQR)
	e.GET("/registrations/:token/ticket", a.ticket, web...)
	e.GET("/r/:code", a.followChannel)
	e.GET("/registrations/:token/materials/:mid", a.registrantDownload)
	e.GET("/webinars/:slug/materials/:mid", a.publicDownload)
	e.GET("/people/:id/photo.jpg", a.personPhoto)
	e.GET("/speaker/:token", a.speakerPortal, web...)
	e.GET("/speaker/:token/materials/:mid", a.speakerDownload)
	e.POST("/speaker/:token/respond", a.speakerPost("respond"), web...)
	e.POST("/speaker/:token/profile", a.speakerPost("profile"), web...)
	e.POST("/speaker/:token/photo", a.speakerPost("photo"), append(web, upload)...)
	e.POST("/speaker/:token/materials", a.speakerPost("materials"), append(web, upload)...)
	e.POST("/speaker/:token/materials/:mid/delete", a.speakerPost("delete"), web...)
	e.GET("/programmes/:slug", a.programmePage, web...)
	e.GET("/lang/:lang", a.switchLanguage, web...)
	e.GET("/login", a.loginForm, web...)
	e.POST("/login", a.login, append(web, a.rateLimit(10))...)
	e.POST("/logout", a.logout, web...)
	e.GET("/setup", a.setupForm, web...)
	e.POST("/setup", a.setup, append(web, a.rateLimit(10))...)

	org := e.Group("/organizer", a.loadSession, csrf, a.requireLogin, a.staffGate)
	org.GET("/checkin", a.checkinHome)
	org.GET("/webinars/:id/checkin", a.checkinPage)
	org.POST("/webinars/:id/checkin", a.checkin)
	org.GET("/webinars/:id/checkin/search", a.checkinSearch)
	org.GET("/webinars/:id/attendance", a.attendancePage)
	org.POST("/webinars/:id/attendance/import", a.importReport, upload)
	org.POST("/webinars/:id/attendance/decide", a.decideAttendance)
	org.POST("/webinars/:id/attendance/options", a.attendanceOptions)
	org.POST("/webinars/:id/attendance/complete", a.completeAttendance)
	org.POST("/webinars/:id/attendance/codes", a.openCode)
	org.POST("/registrations/:id/attendance", a.overrideAttendance)
	org.GET("", a.dashboard)
	org.GET("/webinars/new", a.newWebinar)
	org.POST("/webinars", a.createWebinar)
	org.GET("/webinars/:id", a.showWebinar)
	org.GET("/webinars/:id/edit", a.editWebinar)
	org.POST("/webinars/:id", a.updateWebinar)
	org.POST("/webinars/:id/status", a.changeWebinarStatus)
	org.POST("/webinars/:id/duplicate", a.duplicateWebinar)
	org.GET("/webinars/:id/runsheet", a.runSheet)
	org.POST("/webinars/:id/runsheet", a.runsheetAction)
	org.GET("/webinars/:id/speakers", a.speakersPage)
	org.POST("/webinars/:id/speakers/settings", a.speakerSettings)
	org.POST("/webinars/:id/speakers/:entry", a.speakerAction)
	org.POST("/webinars/:id/materials", a.organizerAddMaterial, upload)
	org.GET("/webinars/:id/materials/:mid", a.organizerDownload)
	org.POST("/webinars/:id/materials/:mid/delete", a.organizerDeleteMaterial)
	org.POST("/webinars/:id/lineup", a.addLineupEntry)
	org.POST("/webinars/:id/lineup/:entry", a.updateLineupEntry)
	org.POST("/webinars/:id/lineup/:entry/delete", a.removeLineupEntry)
	org.POST("/webinars/:id/lineup/:entry/move", a.moveLineupEntry)
	org.GET("/webinars/:id/registrations", a.registrants)
	org.POST("/webinars/:id/registrations", a.addRegistrant)
	org.GET("/webinars/:id/export/:format", a.exportRegistrants)
	org.GET("/webinars/:id/registration", a.regSettings)
	org.POST("/webinars/:id/registration/form", a.saveRegForm)
	org.POST("/webinars/:id/registration/questions", a.addQuestion)
	org.POST("/webinars/:id/registration/questions/:question/delete", a.removeQuestion)
	org.POST("/webinars/:id/registration/channels", a.addChannel)
	org.GET("/registrations/:id", a.registrant)
	org.POST("/registrations/:id", a.registrantAction)
	org.POST("/webinars/:id/followups", a.sendFollowups)
	org.GET("/webinars/:id/announcements", a.announcements)
	org.POST("/webinars/:id/announcements", a.createAnnouncement)
	org.GET("/webinars/:id/announcements/:aid", a.announcement)
	org.POST("/webinars/:id/announcements/:aid", a.announcementAction)
	org.GET("/webinars/:id/announcements/:aid/progress", a.announcementProgress)
	org.GET("/mail", a.mailPage)
	org.POST("/mail/resume", a.resumeMail)
	org.POST("/mail/:id/resend", a.resendMessage)
	org.GET("/mail/:id", a.mailMessage)
	org.GET("/mail/:id/html", a.mailMessageHTML)
	org.GET("/people", a.listPeople)
	org.GET("/people/:id", a.editPerson)
	org.POST("/people/:id", a.updatePerson)
	org.GET("/programmes", a.listProgrammes)
	org.GET("/programmes/new", a.newProgramme)
	org.POST("/programmes", a.createProgramme)
	org.GET("/programmes/:id/edit", a.editProgramme)
	org.POST("/programmes/:id", a.updateProgramme)
	org.GET("/account", a.account)
	org.POST("/account/password", a.changePassword)
	org.POST("/account/tokens", a.createToken)
	org.POST("/account/tokens/:id/revoke", a.revokeToken)

	admin := org.Group("/accounts", a.requireAdmin)
	admin.GET("", a.listAccounts)
	admin.GET("/new", a.newAccount)
	admin.POST("", a.createAccount)
	admin.GET("/:id/edit", a.editAccount)
	admin.POST("/:id", a.updateAccount)
	admin.POST("/:id/password", a.resetAccountPassword)

	api := e.Group("/api/v1")
	api.POST("/tokens", a.apiCreateToken, a.rateLimit(10))
	api.DELETE("/tokens/current", a.apiRevokeCurrentToken, a.apiAuth(true))
	api.GET("/pillars", a.apiPillars)
	api.GET("/regions/provinces", a.apiProvinces)
	api.GET("/regions/provinces/:code/regencies", a.apiRegencies)
	api.GET("/webinars", a.apiListWebinars, a.apiAuth(false))
	api.GET("/webinars/:id", a.apiGetWebinar, a.apiAuth(false))
	api.POST("/webinars", a.apiCreateWebinar, a.apiAuth(true))
	api.PATCH("/webinars/:id", a.apiUpdateWebinar, a.apiAuth(true))
	api.POST("/webinars/:id/lineup", a.apiAddLineupEntry, a.apiAuth(true))
	api.DELETE("/webinars/:id/lineup/:entry", a.apiRemoveLineupEntry, a.apiAuth(true))
	api.POST("/webinars/:id/registrations", a.apiRegister, regLimit...)
	api.GET("/webinars/:id/form", a.apiRegistrationForm, a.apiAuth(false))
	api.GET("/webinars/:id/registrations", a.apiListRegistrations, a.apiAuth(true))
	api.DELETE("/registrations/:id", a.apiCancelRegistration, a.apiAuth(true))
	api.POST("/webinars/:id/channels", a.apiCreateChannel, a.apiAuth(true))
	api.GET("/webinars/:id/channels", a.apiListChannels, a.apiAuth(true))
	api.POST("/webinars/:id/attendance/reports", a.apiImportReport, upload, a.apiAuth(true))
	api.GET("/webinars/:id/attendance", a.apiAttendance, a.apiAuth(true))
	api.POST("/webinars/:id/attendance/complete", a.apiCompleteAttendance, a.apiAuth(true))
	api.POST("/webinars/:id/lineup/:entry/invitation", a.apiInvite, a.apiAuth(true))
	api.GET("/webinars/:id/lineup", a.apiLineup, a.apiAuth(true))
	api.POST("/webinars/:id/materials", a.apiAddMaterial, upload, a.apiAuth(true))
	api.GET("/webinars/:id/materials", a.apiMaterials, a.apiAuth(false))
	api.GET("/webinars/:id/materials/:mid/download", a.organizerDownload, a.apiAuth(true))
	return e
}

// isUpload tells the routes that take files, which the 1 MB body limit
// skips for their own SINAU_UPLOAD_MAX_MB limit.
func isUpload(c echo.Context) bool {
	p := c.Request().URL.Path
	if c.Request().Method != http.MethodPost {
		return false
	}
	for _, suffix := range []string{"/attendance/import", "/attendance/reports", "/materials", "/photo"} {
		if strings.HasSuffix(p, suffix) {
			return true
		}
	}
	return false
}

// registerLimit is the per-IP limit on registrations, none when
// SINAU_REGISTER_RATE is 0 (load tests).
func (a *App) registerLimit() []echo.MiddlewareFunc {
	if a.cfg.RegisterRate == 0 {
		return nil
	}
	return []echo.MiddlewareFunc{a.rateLimit(a.cfg.RegisterRate)}
}

func (a *App) healthz(c echo.Context) error {
	if err := a.db.Ping(c.Request().Context()); err != nil {
		a.log.Error("health check", "error", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// serveStatic serves embedded files; URLs carry a content hash, so they can
// be cached for a year.
func (a *App) serveStatic(c echo.Context) error {
	p := strings.TrimPrefix(c.Param("*"), "/")
	if _, ok := a.views.staticHashs[p]; !ok {
		return echo.ErrNotFound
	}
	if c.QueryParam("v") != "" {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	http.ServeFileFS(c.Response(), c.Request(), a.static, p)
	return nil
}

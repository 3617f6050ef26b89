package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"sinau/i18n"
	"sinau/models"
	"sinau/services"
)

const (
	sessionCookie = "sinau_session"
	langCookie    = "sinau_lang"
	userKey       = "user"
	langKey       = "lang"
)

// ipExtractor trusts X-Forwarded-For only from the configured proxies.
// Echo v4's default would believe the header from anyone (GO-2026-6875,
// GO-2026-6872), letting a client pick its own rate-limit identity.
func (a *App) ipExtractor() echo.IPExtractor {
	if len(a.cfg.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range a.cfg.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// securityHeaders sets a strict CSP (no inline script or style) and the
// usual hardening headers on every response.
func (a *App) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Permissions-Policy", "geolocation=(), microphone=()")
		if a.cfg.SecureCookies() {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// requestLogger writes one structured line per request.
func (a *App) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogRemoteIP: true, HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			a.log.LogAttrs(context.Background(), level, "request",
				slog.String("request_id", v.RequestID), slog.String("method", v.Method), slog.String("path", v.URIPath),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency), slog.String("ip", v.RemoteIP))
			return nil
		},
	})
}

// language picks the request's language once: cookie, then Accept-Language.
func (a *App) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		choice := ""
		if ck, err := c.Cookie(langCookie); err == nil {
			choice = ck.Value
		}
		l := a.cat.Pick(choice, c.Request().Header.Get("Accept-Language"))
		c.Set(langKey, l)
		c.Response().Header().Set("Content-Language", l)
		return next(c)
	}
}

func lang(c echo.Context) string {
	if l, ok := c.Get(langKey).(string); ok {
		return l
	}
	return i18n.ID
}

// loadSession attaches the logged-in organizer, if any, to the request.
func (a *App) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
			if o, err := a.accounts.SessionOrganizer(c.Request().Context(), ck.Value); err == nil {
				c.Set(userKey, o)
			}
		}
		return next(c)
	}
}

func currentUser(c echo.Context) *models.Organizer {
	o, _ := c.Get(userKey).(*models.Organizer)
	return o
}

// requireLogin sends anonymous visitors to the login page and back.
func (a *App) requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) == nil {
			return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// staffPaths are the organizer pages door staff (role checkin) may open.
var staffPaths = regexp.MustCompile(`^/organizer(/checkin|/webinars/[0-9]+/checkin(/search)?|/account(/password)?)?$`)

// staffGate keeps check-in accounts on the check-in pages; everything else
// (registrants' data included) is for organizers.
func (a *App) staffGate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := currentUser(c); u != nil && u.IsStaff() && !staffPaths.MatchString(c.Request().URL.Path) {
			return echo.NewHTTPError(http.StatusForbidden)
		}
		return next(c)
	}
}

// requireAdmin lets only admins through.
func (a *App) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := currentUser(c); u == nil || !u.IsAdmin() {
			return echo.NewHTTPError(http.StatusForbidden)
		}
		return next(c)
	}
}

// apiAuth resolves a bearer token. With required false a request without a
// token passes as the public; a wrong token is refused either way.
func (a *App) apiAuth(required bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Request().Header.Get(echo.HeaderAuthorization)
			if h == "" {
				if required {
					return errUnauthorized
				}
				return next(c)
			}
			scheme, token, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
				return errUnauthorized
			}
			o, _, err := a.accounts.TokenOrganizer(c.Request().Context(), token)
			if err != nil {
				if err == models.ErrNotFound {
					return errUnauthorized
				}
				return err
			}
			if o.IsStaff() {
				// Door staff work in the check-in page only; the API
				// reaches registrants' data.
				return services.ErrForbidden
			}
			c.Set(userKey, o)
			return next(c)
		}
	}
}

// rateLimit allows perMinute requests per client IP, with that many in a burst.
func (a *App) rateLimit(perMinute int) echo.MiddlewareFunc {
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(float64(perMinute) / 60), Burst: perMinute, ExpiresIn: 10 * time.Minute,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store:               store,
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", "60")
			return echo.NewHTTPError(http.StatusTooManyRequests)
		},
	})
}

// localPath keeps a redirect taken from a request on this site: a path
// such as "/organizer", never "//evil.example" or "/\\evil.example", which
// browsers read as another host; otherwise fallback.
func localPath(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	return next
}

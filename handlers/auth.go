package handlers

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"sinau/services"
)

type loginForm struct {
	Email, Next string
}

func (a *App) loginForm(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, localPath(c.QueryParam("next"), "/organizer"))
	}
	p := a.page(c, a.cat.T(lang(c), "login.title"), nil)
	p.Form = loginForm{Next: c.QueryParam("next")}
	return a.render(c, http.StatusOK, "auth/login", p)
}

func (a *App) login(c echo.Context) error {
	f := loginForm{Email: c.FormValue("email"), Next: c.FormValue("next")}
	o, err := a.accounts.Authenticate(c.Request().Context(), f.Email, c.FormValue("password"))
	if err != nil {
		if !errors.Is(err, services.ErrBadCredentials) {
			return err
		}
		p := a.page(c, a.cat.T(lang(c), "login.title"), nil)
		p.Form = f
		p.Errors = map[string]string{"_form": a.cat.T(lang(c), "login.failed")}
		return a.render(c, http.StatusUnauthorized, "auth/login", p)
	}
	token, err := a.accounts.StartSession(c.Request().Context(), o.ID)
	if err != nil {
		return err
	}
	a.setSessionCookie(c, token, int(services.SessionLifetime.Seconds()))
	return c.Redirect(http.StatusSeeOther, localPath(f.Next, "/organizer"))
}

func (a *App) setSessionCookie(c echo.Context, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: a.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
}

func (a *App) logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if err := a.accounts.EndSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	a.setSessionCookie(c, "", -1)
	a.flash(c, "flash.logged_out")
	return c.Redirect(http.StatusSeeOther, "/login")
}

// setupOpen reports whether the one-time setup link is valid for token.
func (a *App) setupOpen(c echo.Context, token string) (bool, error) {
	if a.setupToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(a.setupToken)) != 1 {
		return false, nil
	}
	n, err := a.accounts.CountOrganizers(c.Request().Context())
	return n == 0, err
}

type setupForm struct {
	Token, Name, Email string
}

func (a *App) setupForm(c echo.Context) error {
	f := setupForm{Token: c.QueryParam("token")}
	open, err := a.setupOpen(c, f.Token)
	if err != nil {
		return err
	}
	if !open {
		return echo.ErrNotFound
	}
	p := a.page(c, a.cat.T(lang(c), "setup.title"), nil)
	p.Form = f
	return a.render(c, http.StatusOK, "auth/setup", p)
}

func (a *App) setup(c echo.Context) error {
	f := setupForm{Token: c.FormValue("token"), Name: c.FormValue("name"), Email: c.FormValue("email")}
	open, err := a.setupOpen(c, f.Token)
	if err != nil {
		return err
	}
	if !open {
		return echo.ErrNotFound
	}
	_, err = a.accounts.CreateFirstAdmin(c.Request().Context(), services.OrganizerInput{Name: f.Name, Email: f.Email, Password: c.FormValue("password")})
	if errors.Is(err, services.ErrSetupClosed) {
		return echo.ErrNotFound
	}
	if err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		p := a.page(c, a.cat.T(lang(c), "setup.title"), nil)
		p.Form, p.Errors = f, errs
		return a.render(c, http.StatusUnprocessableEntity, "auth/setup", p)
	}
	a.flash(c, "flash.setup_done")
	return c.Redirect(http.StatusSeeOther, "/login")
}

package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"sinau/models"
	"sinau/services"
)

// accountPage is the signed-in organizer's own page: password and API tokens.
func (a *App) renderAccount(c echo.Context, status int, newToken string, errs map[string]string) error {
	tokens, err := a.accounts.ListAPITokens(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	p := a.page(c, a.cat.T(lang(c), "account.title"), map[string]any{"Tokens": tokens, "NewToken": newToken})
	p.Errors = errs
	return a.render(c, status, "organizer/account", p)
}

func (a *App) account(c echo.Context) error {
	return a.renderAccount(c, http.StatusOK, "", nil)
}

func (a *App) changePassword(c echo.Context) error {
	u := currentUser(c)
	next := c.FormValue("password")
	if next != c.FormValue("password_confirm") {
		return a.renderAccount(c, http.StatusUnprocessableEntity, "", map[string]string{"password_confirm": a.cat.T(lang(c), "err.mismatch")})
	}
	if err := a.accounts.ChangePassword(c.Request().Context(), u, c.FormValue("current_password"), next); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderAccount(c, http.StatusUnprocessableEntity, "", errs)
	}
	a.flash(c, "flash.password_changed")
	return c.Redirect(http.StatusSeeOther, "/login")
}

// createToken issues an API token from the account page; it is shown once.
func (a *App) createToken(c echo.Context) error {
	u := currentUser(c)
	token, _, err := a.accounts.IssueTokenFor(c.Request().Context(), u.ID, c.FormValue("name"))
	if err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderAccount(c, http.StatusUnprocessableEntity, "", errs)
	}
	return a.renderAccount(c, http.StatusOK, token, nil)
}

func (a *App) revokeToken(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := a.accounts.RevokeAPIToken(c.Request().Context(), currentUser(c).ID, id); err != nil {
		return err
	}
	a.flash(c, "flash.token_revoked")
	return c.Redirect(http.StatusSeeOther, "/organizer/account")
}

func (a *App) listAccounts(c echo.Context) error {
	list, err := a.accounts.ListOrganizers(c.Request().Context())
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "organizer/accounts", a.page(c, a.cat.T(lang(c), "accounts.title"), list))
}

type accountForm struct {
	Name, Email, Role string
	Active            bool
}

func (a *App) renderAccountForm(c echo.Context, status int, o *models.Organizer, f accountForm, errs map[string]string) error {
	p := a.page(c, a.cat.T(lang(c), "accounts.title"), o)
	p.Form, p.Errors = f, errs
	return a.render(c, status, "organizer/account_form", p)
}

func (a *App) newAccount(c echo.Context) error {
	return a.renderAccountForm(c, http.StatusOK, nil, accountForm{Role: models.RoleOrganizer, Active: true}, nil)
}

func (a *App) createAccount(c echo.Context) error {
	f := accountForm{Name: c.FormValue("name"), Email: c.FormValue("email"), Role: c.FormValue("role"), Active: true}
	_, err := a.accounts.CreateOrganizer(c.Request().Context(), currentUser(c),
		services.OrganizerInput{Name: f.Name, Email: f.Email, Role: f.Role, Password: c.FormValue("password")})
	if err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderAccountForm(c, http.StatusUnprocessableEntity, nil, f, errs)
	}
	a.flash(c, "flash.account_saved")
	return c.Redirect(http.StatusSeeOther, "/organizer/accounts")
}

func (a *App) editAccount(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	o, err := a.accounts.Organizer(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return a.renderAccountForm(c, http.StatusOK, o, accountForm{Name: o.Name, Email: o.Email, Role: o.Role, Active: o.Active}, nil)
}

func (a *App) updateAccount(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	o, err := a.accounts.Organizer(c.Request().Context(), id)
	if err != nil {
		return err
	}
	f := accountForm{Name: c.FormValue("name"), Email: o.Email, Role: c.FormValue("role"), Active: c.FormValue("active") == "on"}
	if err := a.accounts.UpdateOrganizer(c.Request().Context(), currentUser(c), id, f.Name, f.Role, f.Active); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderAccountForm(c, http.StatusUnprocessableEntity, o, f, errs)
	}
	a.flash(c, "flash.account_saved")
	return c.Redirect(http.StatusSeeOther, "/organizer/accounts")
}

func (a *App) resetAccountPassword(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	o, err := a.accounts.Organizer(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if err := a.accounts.SetPassword(c.Request().Context(), currentUser(c), id, c.FormValue("password")); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderAccountForm(c, http.StatusUnprocessableEntity, o, accountForm{Name: o.Name, Email: o.Email, Role: o.Role, Active: o.Active}, errs)
	}
	a.flash(c, "flash.password_reset")
	return c.Redirect(http.StatusSeeOther, "/organizer/accounts")
}

package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"sinau/models"
	"sinau/services"
)

func (a *App) listProgrammes(c echo.Context) error {
	list, err := a.programmes.List(c.Request().Context())
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "organizer/programmes", a.page(c, a.cat.T(lang(c), "programmes.title"), list))
}

func (a *App) renderProgrammeForm(c echo.Context, status int, prog *models.Programme, f services.ProgrammeInput, errs map[string]string) error {
	p := a.page(c, a.cat.T(lang(c), "programmes.title"), prog)
	p.Form, p.Errors = f, errs
	return a.render(c, status, "organizer/programme_form", p)
}

func (a *App) newProgramme(c echo.Context) error {
	return a.renderProgrammeForm(c, http.StatusOK, nil, services.ProgrammeInput{}, nil)
}

func (a *App) createProgramme(c echo.Context) error {
	f := services.ProgrammeInput{Name: c.FormValue("name"), Description: c.FormValue("description")}
	if _, err := a.programmes.Create(c.Request().Context(), f); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderProgrammeForm(c, http.StatusUnprocessableEntity, nil, f, errs)
	}
	a.flash(c, "flash.programme_saved")
	return c.Redirect(http.StatusSeeOther, "/organizer/programmes")
}

func (a *App) editProgramme(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	prog, err := a.programmes.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return a.renderProgrammeForm(c, http.StatusOK, prog, services.ProgrammeInput{Name: prog.Name, Description: prog.Description}, nil)
}

func (a *App) updateProgramme(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	prog, err := a.programmes.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	f := services.ProgrammeInput{Name: c.FormValue("name"), Description: c.FormValue("description")}
	if _, err := a.programmes.Update(c.Request().Context(), id, f); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderProgrammeForm(c, http.StatusUnprocessableEntity, prog, f, errs)
	}
	a.flash(c, "flash.programme_saved")
	return c.Redirect(http.StatusSeeOther, "/organizer/programmes")
}

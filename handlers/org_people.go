package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"sinau/models"
	"sinau/services"
)

func (a *App) listPeople(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	q := c.QueryParam("q")
	people, total, err := a.people.List(c.Request().Context(), q, page)
	if err != nil {
		return err
	}
	p := a.page(c, a.cat.T(lang(c), "people.title"), map[string]any{"People": people, "Total": total, "Pagination": newPagination(page, 50, total)})
	p.Form = map[string]string{"Q": q}
	return a.render(c, http.StatusOK, "organizer/people", p)
}

func (a *App) renderPerson(c echo.Context, status int, person *models.Person, f services.PersonInput, errs map[string]string) error {
	apps, err := a.people.Appearances(c.Request().Context(), person.ID)
	if err != nil {
		return err
	}
	p := a.page(c, person.Name, map[string]any{"Person": person, "Webinars": apps})
	p.Form, p.Errors = f, errs
	return a.render(c, status, "organizer/person", p)
}

func (a *App) editPerson(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	person, err := a.people.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	email := ""
	if person.Email != nil {
		email = *person.Email
	}
	f := services.PersonInput{Name: person.Name, Email: email, Phone: person.Phone, Affiliation: person.Affiliation, Title: person.Title, Bio: person.Bio}
	return a.renderPerson(c, http.StatusOK, person, f, nil)
}

func (a *App) updatePerson(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	person, err := a.people.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	f := services.PersonInput{Name: c.FormValue("name"), Email: c.FormValue("email"), Phone: c.FormValue("phone"),
		Affiliation: c.FormValue("affiliation"), Title: c.FormValue("title"), Bio: c.FormValue("bio")}
	if _, err := a.people.Update(c.Request().Context(), id, f); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderPerson(c, http.StatusUnprocessableEntity, person, f, errs)
	}
	a.flash(c, "flash.person_saved")
	return c.Redirect(http.StatusSeeOther, "/organizer/people/"+c.Param("id"))
}

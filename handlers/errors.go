package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"sinau/i18n"
	"sinau/models"
	"sinau/services"
)

// apiError is the body of every JSON error.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Warnings explain a conflict the caller may override (report_mismatch).
	Warnings []string `json:"warnings,omitempty"`
}

// errUnauthorized is a missing or bad API token.
var errUnauthorized = errors.New("unauthorized")

// malformed is a request body that could not be read at all.
type malformed struct{ reason string }

func (m *malformed) Error() string { return "malformed: " + m.reason }

// classify maps any error to a status, a stable code and a catalog key.
func classify(err error) (status int, code string) {
	var ve *services.ValidationError
	var ce *services.ConflictError
	var me *malformed
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, "invalid"
	case errors.As(err, &ce):
		return http.StatusConflict, ce.Code
	case errors.As(err, &me):
		return http.StatusBadRequest, "malformed"
	case errors.Is(err, models.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, services.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, services.ErrBadCredentials):
		return http.StatusUnauthorized, "bad_credentials"
	case errors.Is(err, errUnauthorized):
		return http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, services.ErrFileTooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return he.Code, "not_found"
		case http.StatusMethodNotAllowed:
			return he.Code, "method_not_allowed"
		case http.StatusRequestEntityTooLarge:
			return he.Code, "too_large"
		case http.StatusTooManyRequests:
			return he.Code, "rate_limited"
		case http.StatusUnsupportedMediaType:
			return he.Code, "unsupported_media_type"
		case http.StatusForbidden:
			return he.Code, "csrf"
		case http.StatusUnauthorized:
			return he.Code, "unauthorized"
		case http.StatusBadRequest:
			return he.Code, "malformed"
		}
		if he.Code < 500 {
			return he.Code, "bad_request"
		}
	}
	return http.StatusInternalServerError, "internal"
}

func isAPI(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, "/api/")
}

// handleError is Echo's central error handler: the one place an error
// becomes a status, a JSON body or an error page. Details of 5xx errors go
// to the log with the request id, never to the user.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, code := classify(err)
	if status == http.StatusMethodNotAllowed {
		allowHead(c.Response().Header())
	}
	l := lang(c)
	if status >= 500 {
		a.log.Error("request failed", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
	}
	msg := a.cat.T(l, "error."+code)
	if code == "too_large" {
		limit := 1
		if isUpload(c) {
			limit = a.cfg.UploadMaxMB
		}
		msg = a.cat.T(l, "error.too_large", limit)
	}
	if isAPI(c) {
		body := apiError{Error: apiErrorBody{Code: code, Message: msg}}
		var ve *services.ValidationError
		if errors.As(err, &ve) {
			body.Error.Fields = a.fieldMessages(l, ve)
		}
		var ce *services.ConflictError
		if errors.As(err, &ce) {
			body.Error.Warnings = a.texts(l, ce.Details)
		}
		if c.Request().Method == http.MethodHead {
			err = c.NoContent(status)
		} else {
			err = c.JSON(status, body)
		}
	} else {
		p := a.page(c, a.cat.T(l, "error.title"), map[string]any{"Status": status, "Message": msg})
		err = a.render(c, status, "public/error", p)
	}
	if err != nil {
		a.log.Error("error response failed", "error", err)
	}
}

// allowHead adds HEAD to a 405's Allow header wherever GET is allowed,
// because Routes answers HEAD on every GET route.
func allowHead(h http.Header) {
	methods := strings.Split(h.Get(echo.HeaderAllow), ", ")
	if slices.Contains(methods, http.MethodGet) && !slices.Contains(methods, http.MethodHead) {
		h.Set(echo.HeaderAllow, strings.Join(append(methods, http.MethodHead), ", "))
	}
}

// conflictBack answers an action refused by the current state (a
// *services.ConflictError, wrapped or not) with its notice and a redirect to
// path; any other error is returned as it is.
func (a *App) conflictBack(c echo.Context, err error, path string) error {
	var ce *services.ConflictError
	if errors.As(err, &ce) {
		a.flash(c, "flash.conflict_"+ce.Code)
		return c.Redirect(http.StatusSeeOther, path)
	}
	return err
}

// bodyTooLarge tells whether reading a request's form failed on the body
// limit, Echo's (an HTTP 413 error) or net/http's: a body sent without a
// Content-Length passes the up-front check and fails here.
func bodyTooLarge(err error) bool {
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	return (errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge) || errors.As(err, &mbe)
}

// texts translates messages a service made without knowing the language.
func (a *App) texts(l string, ms []i18n.Msg) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = a.cat.T(l, m.Key, m.Args...)
	}
	return out
}

// fieldMessages translates field errors for a form or a JSON body.
func (a *App) fieldMessages(l string, ve *services.ValidationError) map[string]string {
	out := make(map[string]string, len(ve.Fields))
	for f, fe := range ve.Fields {
		out[f] = a.cat.T(l, "err."+fe.Code, fe.Args...)
	}
	return out
}

// formErrors turns a service error into inline form errors; any other error
// is returned for the central handler.
func (a *App) formErrors(c echo.Context, err error) (map[string]string, error) {
	var ve *services.ValidationError
	if errors.As(err, &ve) {
		return a.fieldMessages(lang(c), ve), nil
	}
	var ce *services.ConflictError
	if errors.As(err, &ce) {
		return map[string]string{"_form": a.cat.T(lang(c), "error."+ce.Code)}, nil
	}
	return nil, err
}

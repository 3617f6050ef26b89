package handlers

import (
	"io/fs"
	"os"
	"regexp"
	"testing"

	"sinau/i18n"
	"sinau/models"
)

// TestEveryCatalogKeyExists checks that each key the templates name, and
// each key built from a code (pillar.safety, status.draft…), has a message,
// so no page shows a raw key.
func TestEveryCatalogKeyExists(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	literal := regexp.MustCompile(`\.T "([a-z_.]+)"`)
	err = fs.WalkDir(os.DirFS("../templates"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile("../templates/" + p)
		if err != nil {
			return err
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if !cat.Has(m[1]) {
				t.Errorf("%s: no message %q", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	built := map[string][]string{
		"pillar.": models.Pillars, "role.": models.LineupRoles, "audience.": models.Audiences, "platform.": models.Platforms,
		"status.":  {models.StatusDraft, models.StatusPublished, models.StatusCompleted, models.StatusCancelled},
		"orgrole.": {models.RoleAdmin, models.RoleOrganizer}, "lang.": i18n.Supported,
		"error.": {"invalid", "not_found", "forbidden", "bad_credentials", "unauthorized", "malformed", "method_not_allowed",
			"too_large", "rate_limited", "csrf", "bad_request", "internal", "invalid_transition", "webinar_closed", "not_started"},
		"flash.status_": {models.StatusPublished, models.StatusCompleted, models.StatusCancelled},
	}
	for prefix, codes := range built {
		for _, code := range codes {
			if !cat.Has(prefix + code) {
				t.Errorf("no message %q", prefix+code)
			}
		}
	}
}

// TestEveryValidationCodeHasAMessage reads the codes the services and
// handlers give field errors and checks each has an err.<code> message.
func TestEveryValidationCodeHasAMessage(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`(?:\.add|Invalid)\([^,()]+, "([a-z_]+)"`)
	found := 0
	for _, dir := range []string{"../services", "."} {
		files, _ := fs.Glob(os.DirFS(dir), "*.go")
		for _, f := range files {
			b, err := os.ReadFile(dir + "/" + f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range code.FindAllStringSubmatch(string(b), -1) {
				found++
				if !cat.Has("err." + m[1]) {
					t.Errorf("%s: no message err.%s", f, m[1])
				}
			}
		}
	}
	if found < 20 {
		t.Fatalf("found only %d codes: the pattern no longer matches the code", found)
	}
}

// Package i18n holds Sinau's translation catalogs (Bahasa Indonesia, the
// default, and English), picks a language for a request, and writes dates and
// times the way each language does.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

// Languages Sinau speaks; the first is the default.
const (
	ID = "id"
	EN = "en"
)

// Supported lists the language codes in the order of the switch.
var Supported = []string{ID, EN}

//go:embed locales/*.json
var files embed.FS

// Catalog maps message keys to text, per language.
type Catalog struct {
	msgs    map[string]map[string]string
	matcher language.Matcher
}

// Load reads the embedded catalogs and checks that every language has the
// same keys, so a missing translation is a start-up error, not a blank label.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, lang := range Supported {
		raw, err := files.ReadFile("locales/" + lang + ".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("locale %s: %w", lang, err)
		}
		c.msgs[lang] = m
	}
	for _, lang := range Supported[1:] {
		if missing := diff(c.msgs[ID], c.msgs[lang]); len(missing) > 0 {
			return nil, fmt.Errorf("locale %s lacks %s", lang, strings.Join(missing, ", "))
		}
		if extra := diff(c.msgs[lang], c.msgs[ID]); len(extra) > 0 {
			return nil, fmt.Errorf("locale %s has keys the default lacks: %s", lang, strings.Join(extra, ", "))
		}
	}
	c.matcher = language.NewMatcher([]language.Tag{language.Indonesian, language.English})
	return c, nil
}

func diff(a, b map[string]string) []string {
	var out []string
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether key exists.
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs[ID][key]
	return ok
}

// Keys lists every key of the default catalog.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.msgs[ID]))
	for k := range c.msgs[ID] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Msg is a message whose language is not known where it is made (a service
// explaining what is wrong with a file): a key and its arguments, which may
// be Msgs or Lists themselves.
type Msg struct {
	Key  string
	Args []any
}

// M makes a Msg.
func M(key string, args ...any) Msg { return Msg{Key: key, Args: args} }

// List is several messages, written one after another.
type List []Msg

// T translates key into lang, formatting args with fmt verbs in the message;
// Msg and List arguments are translated first. An unknown key comes back as
// itself so it is visible, not blank.
func (c *Catalog) T(lang, key string, args ...any) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs[ID]
	}
	s, ok := m[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return s
	}
	out := make([]any, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case Msg:
			out[i] = c.T(lang, a.Key, a.Args...)
		case List:
			parts := make([]string, len(a))
			for j, msg := range a {
				parts[j] = c.T(lang, msg.Key, msg.Args...)
			}
			out[i] = strings.Join(parts, " ")
		default:
			out[i] = a
		}
	}
	return fmt.Sprintf(s, out...)
}

// Pick chooses the language for a request: an explicit choice (cookie) wins
// if supported, then the Accept-Language header, then Bahasa Indonesia.
func (c *Catalog) Pick(choice, acceptLanguage string) string {
	if IsSupported(choice) {
		return choice
	}
	if acceptLanguage == "" {
		return ID
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return ID
	}
	_, idx, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return ID
	}
	return Supported[idx]
}

// IsSupported reports whether lang is one of Sinau's languages.
func IsSupported(lang string) bool {
	for _, l := range Supported {
		if l == lang {
			return true
		}
	}
	return false
}

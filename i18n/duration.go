package i18n

import (
	"fmt"
	"strings"
	"time"
)

// Duration writes a reminder offset in words: "3 hari", "1 jam 30 menit",
// "3 days", "1 hour 30 minutes". Whole days are counted as days.
func Duration(lang string, d time.Duration) string {
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	hours := int(d / time.Hour)
	d -= time.Duration(hours) * time.Hour
	mins := int(d / time.Minute)
	type unit struct {
		n           int
		id, en, ens string
	}
	var parts []string
	for _, u := range []unit{{days, "hari", "day", "days"}, {hours, "jam", "hour", "hours"}, {mins, "menit", "minute", "minutes"}} {
		if u.n == 0 {
			continue
		}
		switch {
		case lang == EN && u.n == 1:
			parts = append(parts, fmt.Sprintf("1 %s", u.en))
		case lang == EN:
			parts = append(parts, fmt.Sprintf("%d %s", u.n, u.ens))
		default:
			parts = append(parts, fmt.Sprintf("%d %s", u.n, u.id))
		}
	}
	if len(parts) == 0 {
		if lang == EN {
			return "less than a minute"
		}
		return "kurang dari 1 menit"
	}
	return strings.Join(parts, " ")
}

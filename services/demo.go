package services

import (
	"context"
	"errors"
	"time"

	"sinau/models"
	"sinau/regions"
)

// The demo organizer's credentials, printed by `sinau demo`. A demo
// database is for trying Sinau out, never for production.
const (
	DemoEmail    = "demo@sinau.test"
	DemoPassword = "demo-sinau-2026"
)

// DemoResult says what SeedDemo did.
type DemoResult struct {
	Created, Existing int
}

type demoPerson struct {
	role, pillar, topic, name, title, affiliation string
}

type demoWebinar struct {
	slug, title, description, regency, zone, audience, platform, venue string
	days, hour, minutes, capacity                                      int
	lineup                                                             []demoPerson
}

// demoWebinars start with the Grobogan session of 2 August 2021 as a news
// report described it, moved to two weeks from now.
var demoWebinars = []demoWebinar{
	{
		slug: "demo-grobogan-pelayanan-publik", regency: "3315", zone: regions.WIB.Name, days: 14, hour: 9, minutes: 180, capacity: 300,
		title:       "Tiga strategi tingkatkan interaksi pelayanan publik di era digital",
		description: "Webinar literasi digital untuk masyarakat Kabupaten Grobogan: interaksi, partisipasi, dan kolaborasi dalam pelayanan publik digital.",
		audience:    "general", platform: "zoom",
		lineup: []demoPerson{
			{"moderator", "", "", "Dannys Citra", "Entertainer", ""},
			{"speaker", "skills", "Strategi interaksi dua arah di media sosial instansi", "Diana Belinda", "Entrepreneur & digital trainer", ""},
			{"speaker", "ethics", "Etika berkomunikasi dalam pelayanan publik digital", "Muhammad Yunus Anis", "Dosen", "Universitas Sebelas Maret"},
			{"speaker", "culture", "Partisipasi warga dan budaya berbagi", "Rinduwan", "", "GP Ansor Grobogan"},
			{"speaker", "safety", "Kolaborasi aman bersama mitra", "Padmasari Mestikajati", "Anggota DPRD", "DPRD Provinsi Jawa Tengah"},
			{"kol", "", "", "Ariel Budiman", "Digital creator", ""},
		},
	},
	{
		slug: "demo-makassar-budaya-digital", regency: "7371", zone: regions.WITA.Name, days: 10, hour: 13, minutes: 120, capacity: 500,
		title:       "Merawat budaya lokal di ruang digital",
		description: "Bagaimana pelajar Makassar membawa nilai budaya Bugis-Makassar ke media sosial.",
		audience:    "students", platform: "youtube",
		lineup: []demoPerson{
			{"moderator", "", "", "Andi Rahmawati", "Penyiar radio", ""},
			{"speaker", "culture", "Siri' na pacce di media sosial", "Syamsul Bahri", "Budayawan", "Universitas Hasanuddin"},
			{"speaker", "ethics", "Berkomentar dengan santun", "Nurul Hikmah", "Guru", "SMA Negeri 5 Makassar"},
		},
	},
	{
		slug: "demo-jayapura-keamanan-digital", regency: "9171", zone: regions.WIT.Name, days: 21, hour: 10, minutes: 120, capacity: 0,
		title:       "Aman bertransaksi dan melindungi data pribadi",
		description: "Mengenali penipuan daring, menjaga kata sandi, dan melindungi data pribadi sesuai UU PDP.",
		audience:    "msme", platform: "hybrid", venue: "Aula Kantor Wali Kota Jayapura",
		lineup: []demoPerson{
			{"keynote", "", "Sambutan", "Yohana Wenda", "Kepala Dinas Kominfo", "Pemerintah Kota Jayapura"},
			{"moderator", "", "", "Markus Kambu", "Jurnalis", ""},
			{"speaker", "safety", "Mengenali penipuan daring", "Ester Rumbiak", "Analis keamanan siber", ""},
			{"speaker", "skills", "Dompet digital untuk UMKM", "Yosef Itlay", "Pendamping UMKM", ""},
			{"interpreter", "", "", "Lidia Mandowen", "Juru bahasa isyarat", ""},
		},
	},
	{
		slug: "demo-denpasar-kecakapan-digital", regency: "5171", zone: regions.WITA.Name, days: 5, hour: 19, minutes: 90, capacity: 200,
		title:       "Kecakapan digital untuk orang tua",
		description: "Mendampingi anak belajar daring: kontrol orang tua, waktu layar, dan aplikasi belajar.",
		audience:    "parents", platform: "google_meet",
		lineup: []demoPerson{
			{"moderator", "", "", "Ni Luh Putu Ayu", "Psikolog", ""},
			{"speaker", "skills", "Mengatur perangkat anak", "I Made Wirawan", "Pegiat TIK", "Relawan TIK Bali"},
			{"speaker", "safety", "Melindungi anak dari konten berbahaya", "Komang Sari", "Konselor", ""},
		},
	},
}

var demoJoinURLs = map[string]string{
	"zoom": "https://zoom.us/j/81234567890", "youtube": "https://www.youtube.com/live/sinau-demo",
	"google_meet": "https://meet.google.com/abc-defg-hij", "hybrid": "https://zoom.us/j/89876543210",
}

// SeedDemo loads the demo programme, webinars and organizer. It recognises
// what it made before by slug and email, so a second run changes nothing.
func SeedDemo(ctx context.Context, db *models.DB, now func() time.Time, cost int) (DemoResult, error) {
	var res DemoResult
	accounts := NewAccounts(db, now, cost)
	webinars := NewWebinars(db, now, "sinau.test")
	programmes := NewProgrammes(db, now)

	var organizer models.Organizer
	err := db.R.WithContext(ctx).Where("email = ?", DemoEmail).First(&organizer).Error
	if errors.Is(notFound(err), models.ErrNotFound) {
		admin := &models.Organizer{Role: models.RoleAdmin}
		o, err := accounts.CreateOrganizer(ctx, admin, OrganizerInput{Name: "Demo Organizer", Email: DemoEmail, Password: DemoPassword, Role: models.RoleAdmin})
		if err != nil {
			return res, err
		}
		organizer = *o
	} else if err != nil {
		return res, err
	}

	prog, err := programmes.BySlug(ctx, "literasi-digital-nusantara-demo")
	if errors.Is(err, models.ErrNotFound) {
		prog, err = programmes.Create(ctx, ProgrammeInput{Name: "Literasi Digital Nusantara (demo)", Description: "Rangkaian webinar contoh dari Sinau."})
		if err == nil && prog.Slug != "literasi-digital-nusantara-demo" {
			err = db.W.WithContext(ctx).Model(prog).Update("slug", "literasi-digital-nusantara-demo").Error
		}
	}
	if err != nil {
		return res, err
	}

	for _, d := range demoWebinars {
		var n int64
		if err := db.R.WithContext(ctx).Model(&models.Webinar{}).Where("slug = ?", d.slug).Count(&n).Error; err != nil {
			return res, err
		}
		if n > 0 {
			res.Existing++
			continue
		}
		loc, err := time.LoadLocation(d.zone)
		if err != nil {
			return res, err
		}
		day := now().In(loc).AddDate(0, 0, d.days)
		start := time.Date(day.Year(), day.Month(), day.Day(), d.hour, 0, 0, 0, loc)
		w, err := webinars.create(ctx, &organizer, WebinarFields{
			Title: d.title, Description: d.description, StartsAt: start, DurationMinutes: d.minutes, Timezone: d.zone,
			RegencyCode: d.regency, Audience: d.audience, Platform: d.platform, Venue: d.venue, Capacity: d.capacity,
			JoinURL: demoJoinURLs[d.platform], ProgrammeID: &prog.ID, FollowupDelayMinutes: DefaultFollowupDelay,
		}, d.slug)
		if err != nil {
			return res, err
		}
		for _, p := range d.lineup {
			_, err := webinars.AddLineupEntry(ctx, w.ID, LineupInput{Role: p.role, Pillar: p.pillar, Topic: p.topic,
				Person: PersonInput{Name: p.name, Title: p.title, Affiliation: p.affiliation}})
			if err != nil {
				return res, err
			}
		}
		if _, err := webinars.SetStatus(ctx, w.ID, models.StatusPublished); err != nil {
			return res, err
		}
		res.Created++
	}
	return res, nil
}

package uploads

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"path/filepath"
	"testing"

	"golang.org/x/image/webp"
)

func TestWebPFixture(t *testing.T) {
	img, err := webp.Decode(bytes.NewReader(webpLossless))
	if err != nil {
		t.Fatalf("embedded WebP does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 6 || b.Dy() != 4 {
		t.Errorf("embedded WebP is %v, want 6×4", b)
	}
	r, g, bl, _ := img.At(1, 1).RGBA()
	if r>>8 < 150 || g>>8 > 80 || bl>>8 > 80 {
		t.Errorf("embedded WebP pixel = %v, want red", img.At(1, 1))
	}
}

// loadPhoto opens a stored photo and decodes it as JPEG.
func loadPhoto(t *testing.T, s *Store, saved *Saved) ([]byte, image.Image) {
	t.Helper()
	f, err := s.Open(saved.Key)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("stored photo is no JPEG: %v", err)
	}
	return data, img
}

// colourAt names the dominant colour at (x, y).
func colourAt(img image.Image, x, y int) string {
	r, g, b, _ := img.At(x, y).RGBA()
	r, g, b = r>>8, g>>8, b>>8
	switch {
	case r > 200 && g > 200 && b > 200:
		return "white"
	case r > 150 && g < 90 && b < 90:
		return "red"
	case b > 150 && r < 90 && g < 90:
		return "blue"
	case g > 150 && r < 90 && b < 90:
		return "green"
	}
	return "other"
}

func TestPhoto(t *testing.T) {
	// A wide image: green outer thirds, which the centred crop must cut,
	// around a red|blue centre square.
	wide := image.NewRGBA(image.Rect(0, 0, 60, 20))
	for y := range 20 {
		for x := range 60 {
			c := color.RGBA{20, 200, 20, 255}
			if x >= 20 && x < 30 {
				c = color.RGBA{220, 20, 20, 255}
			} else if x >= 30 && x < 40 {
				c = color.RGBA{20, 20, 220, 255}
			}
			wide.SetRGBA(x, y, c)
		}
	}
	transparent := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	const size = 64
	const lo, hi, mid = 4, size - 5, size / 2
	tests := []struct {
		name string
		data []byte
		// colours expected at the top, bottom, left and right edge middles
		top, bottom, left, right string
	}{
		{"png wide, centred crop", pngFile(t, wide), "other", "other", "red", "blue"},
		{"jpeg square", jpegFile(t, twoColours(40, 40)), "other", "other", "red", "blue"},
		{"jpeg tall", jpegFile(t, twoColours(40, 90)), "other", "other", "red", "blue"},
		{"jpeg with exif, orientation 1", withExif(t, jpegFile(t, twoColours(40, 40)), 1), "other", "other", "red", "blue"},
		{"jpeg with exif, orientation 3", withExif(t, jpegFile(t, twoColours(40, 40)), 3), "other", "other", "blue", "red"},
		{"jpeg with exif, orientation 6 (portrait phone)", withExif(t, jpegFile(t, twoColours(40, 40)), 6), "red", "blue", "other", "other"},
		{"jpeg with exif, orientation 8", withExif(t, jpegFile(t, twoColours(40, 40)), 8), "blue", "red", "other", "other"},
		{"jpeg with exif, orientation 2", withExif(t, jpegFile(t, twoColours(40, 40)), 2), "other", "other", "blue", "red"},
		{"jpeg with exif, bogus orientation 9", withExif(t, jpegFile(t, twoColours(40, 40)), 9), "other", "other", "red", "blue"},
		{"webp", webpLossless, "red", "red", "red", "red"},
		{"transparent png over white", pngFile(t, transparent), "white", "white", "white", "white"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			saved, err := s.Photo(bytes.NewReader(tt.data), PhotoMaxBytes, size)
			if err != nil {
				t.Fatalf("Photo: %v", err)
			}
			if saved.ContentType != TypeJPEG || filepath.Ext(saved.Key) != ".jpg" || !ValidKey(saved.Key) {
				t.Errorf("Saved = %+v, want a .jpg key of image/jpeg", saved)
			}
			data, img := loadPhoto(t, s, saved)
			if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
				t.Errorf("photo is %v, want %d×%d", b, size, size)
			}
			for _, banned := range []string{"Exif", gpsSecret} {
				if bytes.Contains(data, []byte(banned)) {
					t.Errorf("photo still contains %q", banned)
				}
			}
			if saved.Size != int64(len(data)) {
				t.Errorf("Size = %d, file has %d bytes", saved.Size, len(data))
			}
			at := map[string][2]int{"top": {mid, lo}, "bottom": {mid, hi}, "left": {lo, mid}, "right": {hi, mid}}
			want := map[string]string{"top": tt.top, "bottom": tt.bottom, "left": tt.left, "right": tt.right}
			for edge, p := range at {
				got := colourAt(img, p[0], p[1])
				if w := want[edge]; w != "other" && got != w {
					t.Errorf("%s edge is %s, want %s", edge, got, w)
				}
				if got == "green" {
					t.Errorf("%s edge is green: the crop is not centred", edge)
				}
			}
			if names := dirNames(t, s); len(names) != 1 {
				t.Errorf("directory holds %v, want the photo only", names)
			}
		})
	}
}

func TestPhotoExifFixture(t *testing.T) {
	// Guard the test itself: the input must really carry the metadata that
	// TestPhoto proves gone, and its orientation must be read back.
	in := withExif(t, jpegFile(t, twoColours(8, 8)), 6)
	if !bytes.Contains(in, []byte("Exif")) || !bytes.Contains(in, []byte(gpsSecret)) {
		t.Fatal("fixture carries no EXIF")
	}
	if _, err := jpeg.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("fixture does not decode: %v", err)
	}
	if o := jpegOrientation(in); o != 6 {
		t.Errorf("jpegOrientation = %d, want 6", o)
	}
}

func TestPhotoRefused(t *testing.T) {
	jpg := jpegFile(t, twoColours(40, 40))
	png := pngFile(t, twoColours(40, 40))
	tests := []struct {
		name     string
		r        io.Reader
		max      int64
		want     error
		detected string // for ErrType
	}{
		{"gif", bytes.NewReader(gifFile(t)), PhotoMaxBytes, ErrType, "image/gif"},
		{"svg", bytes.NewReader([]byte(svgImage)), PhotoMaxBytes, ErrType, "image/svg+xml"},
		{"html", bytes.NewReader([]byte(htmlPage)), PhotoMaxBytes, ErrType, "text/html"},
		{"pdf", bytes.NewReader(pdfFile(t)), PhotoMaxBytes, ErrType, "application/pdf"},
		{"jpeg header then garbage", bytes.NewReader(append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte("garbage"), 50)...)), PhotoMaxBytes, ErrImage, ""},
		{"truncated jpeg", bytes.NewReader(jpg[:len(jpg)/2]), PhotoMaxBytes, ErrImage, ""},
		{"truncated png", bytes.NewReader(png[:len(png)-20]), PhotoMaxBytes, ErrImage, ""},
		{"truncated webp", bytes.NewReader(webpLossless[:24]), PhotoMaxBytes, ErrImage, ""},
		{"png bomb 20000×20000", bytes.NewReader(pngWithSize(t, 20000, 20000)), PhotoMaxBytes, ErrImage, ""},
		{"png 10001 wide", bytes.NewReader(pngWithSize(t, 10001, 1)), PhotoMaxBytes, ErrImage, ""},
		{"png 8000×6000 (48 megapixels)", bytes.NewReader(pngWithSize(t, 8000, 6000)), PhotoMaxBytes, ErrImage, ""},
		{"png with a zero side", bytes.NewReader(pngWithSize(t, 0, 10)), PhotoMaxBytes, ErrImage, ""},
		{"over 5 MB", io.MultiReader(bytes.NewReader(jpg), infinite{}), PhotoMaxBytes, ErrTooLarge, ""},
		{"one byte over max", bytes.NewReader(jpg), int64(len(jpg) - 1), ErrTooLarge, ""},
		{"empty", bytes.NewReader(nil), PhotoMaxBytes, ErrEmpty, ""},
		{"interrupted", &failingReader{data: jpg[:len(jpg)/2], err: io.ErrUnexpectedEOF}, PhotoMaxBytes, io.ErrUnexpectedEOF, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			saved, err := s.Photo(tt.r, tt.max, 64)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Photo = %+v, %v; want %v", saved, err, tt.want)
			}
			if tt.detected != "" {
				if te, ok := errors.AsType[*TypeError](err); !ok || te.Detected != tt.detected {
					t.Errorf("Photo err = %#v, want detected %q", err, tt.detected)
				}
			}
			if names := dirNames(t, s); len(names) != 0 {
				t.Errorf("refused photo left %v", names)
			}
		})
	}
}

func TestPhotoBadSize(t *testing.T) {
	s := newStore(t)
	jpg := jpegFile(t, twoColours(8, 8))
	for _, size := range []int{0, -1, MaxPhotoOutput + 1} {
		if _, err := s.Photo(bytes.NewReader(jpg), PhotoMaxBytes, size); err == nil {
			t.Errorf("Photo with size %d succeeded", size)
		}
	}
}

func TestJPEGOrientationMalformed(t *testing.T) {
	jpg := jpegFile(t, twoColours(8, 8))
	exif := withExif(t, jpg, 6)
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not a jpeg", []byte("hello world")},
		{"no exif", jpg},
		{"segment length past the end", exif[:20]},
		{"exif cut inside the IFD", append(append([]byte{}, exif[:4]...), 0x00, 0x14, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 0x2A, 0, 0, 0, 8, 0, 5, 1, 0x12)},
		{"IFD offset out of range", append(append([]byte{}, exif[:4]...), 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 0x2A, 0, 0xFF, 0xFF, 0xFF, 0x7F)},
		{"unknown byte order", append(append([]byte{}, exif[:4]...), 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'X', 'X', 0x2A, 0, 8, 0, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if o := jpegOrientation(tt.data); o != 1 {
				t.Errorf("jpegOrientation = %d, want 1", o)
			}
		})
	}
}

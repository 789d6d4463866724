package workplace

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func pngOf(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.Black)
	var b bytes.Buffer
	noErr(t, png.Encode(&b, img))
	return b.Bytes()
}

const svgPlan = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1200 800"><rect x="0" y="0" width="1200" height="800" fill="#fff"/></svg>`

// TestFloorPlan: SVG and PNG plans are known by their content, sized and
// kept; anything else is refused and nothing changes.
func TestFloorPlan(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()

		f, err := e.ws.SetFloorPlan(e.ctx, e.kim, s.floor.ID, bytes.NewReader(pngOf(t, 640, 480)))
		noErr(t, err)
		if f.PlanType != PlanPNG || f.PlanWidth != 640 || f.PlanHeight != 480 || !f.HasPlan() {
			t.Fatalf("PNG plan %+v", f)
		}
		f, err = e.ws.SetFloorPlan(e.ctx, e.kim, s.floor.ID, strings.NewReader(svgPlan))
		noErr(t, err)
		if f.PlanType != PlanSVG || f.PlanWidth != 1200 || f.PlanHeight != 800 {
			t.Fatalf("SVG plan %+v", f)
		}
		rc, got, size, err := e.ws.OpenFloorPlan(e.ctx, e.sid, s.floor.ID)
		noErr(t, err)
		body, _ := io.ReadAll(rc)
		rc.Close()
		if string(body) != svgPlan || size != int64(len(svgPlan)) || got.PlanType != PlanSVG {
			t.Fatalf("served plan %q (%d) %+v", body, size, got)
		}

		// A JPEG, HTML, a bare XML document, an SVG without a size, and
		// one too large are refused; the SVG plan stays.
		var jpg bytes.Buffer
		noErr(t, jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 10, 10)), nil))
		for name, content := range map[string][]byte{
			"jpeg":       jpg.Bytes(),
			"html":       []byte(`<html><body><svg viewBox="0 0 10 10"></svg></body></html>`),
			"xml":        []byte(`<?xml version="1.0"?><plan width="10" height="10"/>`),
			"no size":    []byte(`<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>`),
			"broken":     []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect></svg>`),
			"broken png": append(append([]byte{}, pngMagic...), 0, 0, 0, 13, 'I', 'H'),
			"empty":      nil,
		} {
			_, err := e.ws.SetFloorPlan(e.ctx, e.kim, s.floor.ID, bytes.NewReader(content))
			if platform.CodeOf(err) != platform.CodeInvalid {
				t.Errorf("%s: %v", name, err)
			}
		}
		big := append([]byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><!--`), bytes.Repeat([]byte("x"), MaxPlanBytes)...)
		_, err = e.ws.SetFloorPlan(e.ctx, e.kim, s.floor.ID, bytes.NewReader(append(big, "--></svg>"...)))
		wantCode(t, err, platform.CodeTooLarge)
		if f, _ := e.ws.Floor(e.ctx, e.sid, s.floor.ID); f.PlanType != PlanSVG || f.PlanWidth != 1200 {
			t.Fatalf("a refused upload changed the plan: %+v", f)
		}

		// An SVG that carries a script is still a picture: it is kept, and
		// served only as an image under a sandbox (workplaceweb tests the
		// headers).
		evil := `<svg xmlns="http://www.w3.org/2000/svg" width="300px" height="200"><script>alert(document.cookie)</script><rect width="300" height="200"/></svg>`
		f, err = e.ws.SetFloorPlan(e.ctx, e.kim, s.floor.ID, strings.NewReader(evil))
		noErr(t, err)
		if f.PlanWidth != 300 || f.PlanHeight != 200 {
			t.Fatalf("sized from width and height: %+v", f)
		}

		// Only managers upload; another organisation finds no floor.
		_, err = e.ws.SetFloorPlan(e.ctx, e.sid, s.floor.ID, strings.NewReader(svgPlan))
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ws.SetFloorPlan(e.ctx, e.other, s.floor.ID, strings.NewReader(svgPlan))
		wantCode(t, err, platform.CodeNotFound)
		_, _, _, err = e.ws.OpenFloorPlan(e.ctx, e.other, s.floor.ID)
		wantCode(t, err, platform.CodeNotFound)
		_, _, _, err = e.ws.OpenFloorPlan(e.ctx, e.rita, s.floor.ID)
		wantCode(t, err, platform.CodeForbidden)
	})
}

// FuzzCheckPlan: whatever is uploaded, CheckPlan answers without
// panicking, and what it accepts has a sensible size.
func FuzzCheckPlan(f *testing.F) {
	f.Add([]byte(svgPlan))
	f.Add(pngOf(f, 3, 2))
	f.Add([]byte(`<svg viewBox="0,0,1e400,5"/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, w, h, err := CheckPlan(b)
		if err == nil && (typ == "" || w < 1 || h < 1 || w > maxPlanSide || h > maxPlanSide) {
			t.Fatalf("accepted %q %dx%d", typ, w, h)
		}
	})
}

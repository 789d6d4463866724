package workplace

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Floor plan pictures: SVG or PNG, known by their content (never by the
// name or type the browser claims), up to MaxPlanBytes.
const (
	MaxPlanBytes = 5 << 20
	PlanSVG      = "image/svg+xml"
	PlanPNG      = "image/png"
	// maxPlanSide bounds a picture's width and height, so a tiny PNG
	// cannot claim a size that makes browsers allocate gigabytes.
	maxPlanSide = 20000
)

// PlanCSP is the Content-Security-Policy a plan is served with. An SVG
// can carry scripts and links: the sandbox and default-src 'none' stop
// them if the picture is ever opened on its own, and pages show plans
// only through <img>, where browsers run no script at all.
const PlanCSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

func badPlan(msg string) error {
	return platform.Invalid(msg, platform.FieldError{Field: "plan", Message: msg})
}

// CheckPlan says what a floor plan picture is and how big: PNG by its
// signature and header, SVG by parsing it as XML with an <svg> root that
// gives a width and height or a viewBox. Anything else is refused.
func CheckPlan(b []byte) (mediaType string, width, height int, err error) {
	if len(b) == 0 {
		return "", 0, 0, badPlan("Choose a floor plan picture to upload")
	}
	if len(b) > MaxPlanBytes {
		return "", 0, 0, &platform.Error{Code: platform.CodeTooLarge, Message: "The floor plan must be 5 MB or smaller",
			Fields: []platform.FieldError{{Field: "plan", Message: "The floor plan must be 5 MB or smaller"}}}
	}
	if bytes.HasPrefix(b, pngMagic) {
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxPlanSide || cfg.Height > maxPlanSide {
			return "", 0, 0, badPlan("The PNG file is damaged or too large a picture (20,000 pixels a side at most)")
		}
		return PlanPNG, cfg.Width, cfg.Height, nil
	}
	w, h, err := svgSize(b)
	if err != nil {
		return "", 0, 0, err
	}
	return PlanSVG, w, h, nil
}

// svgSize checks that b is a well-formed XML document whose root is an
// SVG element, and returns its size from the viewBox (what markers are
// placed against) or else its width and height.
func svgSize(b []byte) (int, int, error) {
	notSVG := badPlan("The floor plan must be an SVG or PNG picture")
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	var root *xml.StartElement
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, notSVG
		}
		if se, ok := tok.(xml.StartElement); ok && root == nil {
			se := se.Copy()
			root = &se
		}
	}
	if root == nil || root.Name.Local != "svg" || (root.Name.Space != "" && root.Name.Space != "http://www.w3.org/2000/svg") {
		return 0, 0, notSVG
	}
	var width, height, viewBox string
	for _, a := range root.Attr {
		if a.Name.Space != "" {
			continue
		}
		switch a.Name.Local {
		case "width":
			width = a.Value
		case "height":
			height = a.Value
		case "viewBox":
			viewBox = a.Value
		}
	}
	noSize := badPlan("The SVG must give its size: a viewBox, or a width and height in pixels")
	if viewBox != "" {
		f := strings.FieldsFunc(viewBox, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' || r == '\r' })
		if len(f) != 4 {
			return 0, 0, noSize
		}
		w, ok1 := svgLength(f[2])
		h, ok2 := svgLength(f[3])
		if !ok1 || !ok2 {
			return 0, 0, noSize
		}
		return w, h, nil
	}
	w, ok1 := svgLength(width)
	h, ok2 := svgLength(height)
	if !ok1 || !ok2 {
		return 0, 0, noSize
	}
	return w, h, nil
}

// svgLength reads a positive length in user units or pixels.
func svgLength(s string) (int, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "px")
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 1 || v > maxPlanSide {
		return 0, false
	}
	return int(math.Round(v)), true
}

// SetFloorPlan checks a floor plan picture (CheckPlan), keeps it in the
// file store and gives it to the floor, replacing any plan it had. The
// positions of its desks and rooms are kept: they are in thousandths of
// the picture, so a redrawn plan of the same floor needs no moving.
func (s *Store) SetFloorPlan(ctx context.Context, sub *platform.Subject, floorID string, content io.Reader) (Floor, error) {
	if s.opts.Files == nil {
		return Floor{}, platform.Errorf(platform.CodeInvalid, "Floor plans cannot be uploaded here: there is no file store")
	}
	// Refuse the wrong person before reading (and storing) anything.
	if !CanKeep(sub) {
		if err := s.db.Write(ctx, func(tx *store.Tx) error { return s.mayKeep(tx, sub) }); err != nil {
			return Floor{}, err
		}
	}
	if _, err := s.Floor(ctx, sub, floorID); err != nil {
		return Floor{}, err
	}
	b, err := io.ReadAll(io.LimitReader(content, MaxPlanBytes+1))
	if err != nil {
		var pe *platform.Error
		if errors.As(err, &pe) {
			return Floor{}, err
		}
		return Floor{}, &platform.Error{Code: platform.CodeInvalid, Message: "The floor plan could not be read", Err: err}
	}
	typ, w, h, err := CheckPlan(b)
	if err != nil {
		return Floor{}, err
	}
	info, err := s.opts.Files.Put(ctx, bytes.NewReader(b))
	if err != nil {
		return Floor{}, err
	}
	err = s.changed(ctx, sub, "workplace.floor_plan", "floor", floorID, "floor", func(tx *store.Tx) (int64, string, error) {
		n, err := affected(tx.Exec(ctx, `UPDATE workplace_floors SET plan_blob_id = ?, plan_type = ?, plan_width = ?, plan_height = ?, updated_at = ?
			WHERE id = ? AND org_id = ? AND withdrawn_at = 0`, info.ID, typ, w, h, store.Millis(s.now()), floorID, sub.OrgID))
		return n, typ + " " + strconv.Itoa(w) + "x" + strconv.Itoa(h), err
	})
	if err != nil {
		return Floor{}, err
	}
	return s.Floor(ctx, sub, floorID)
}

// OpenFloorPlan opens a floor's plan picture; serve it with its PlanType,
// PlanCSP and nosniff, and show it only through <img>.
func (s *Store) OpenFloorPlan(ctx context.Context, sub *platform.Subject, floorID string) (io.ReadCloser, Floor, int64, error) {
	f, err := s.Floor(ctx, sub, floorID)
	if err != nil {
		return nil, Floor{}, 0, err
	}
	if !f.HasPlan() || s.opts.Files == nil {
		return nil, Floor{}, 0, platform.NotFound("floor plan")
	}
	rc, info, err := s.opts.Files.Open(ctx, f.PlanBlobID)
	if err != nil {
		return nil, Floor{}, 0, err
	}
	return rc, f, info.Size, nil
}

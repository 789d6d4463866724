package signingweb

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"dbtp/internal/signing"
	"dbtp/internal/web"
)

// An envelope's fields page and a template's edit page edit fields in
// numbered rows of the same inputs (kind, label, where, page, x, y) under
// a prefix of their own (f0-, tf0-), and people or roles in rows of what
// they do and their step (r0-, ro0-). These build the rows' choices,
// fill and read them; the partials in _envelopes_rows.html draw them.

// kindOptions are the kinds of field a row may be.
var kindOptions = func() []web.Option {
	var out []web.Option
	for _, k := range []string{signing.FieldSignature, signing.FieldInitials, signing.FieldDate, signing.FieldText, signing.FieldCheckbox} {
		out = append(out, web.Option{Value: k, Text: kindNames[k]})
	}
	return out
}()

// positionOptions are the named places, after "the page, x and y given".
var positionOptions = func() []web.Option {
	out := []web.Option{{Value: "", Text: "At the page, x and y given"}}
	for _, pos := range signing.Positions {
		out = append(out, web.Option{Value: pos, Text: strings.ToUpper(pos[:1]) + pos[1:]})
	}
	return out
}()

// nobody is a row's first choice of whom a field is for: none, which
// leaves the row out.
var nobody = web.Option{Value: "", Text: "Nobody (leave the row empty)"}

// setFieldRow fills row k's inputs from a field: its position by name,
// or else its page, x and y.
func setFieldRow(v url.Values, k string, f signing.FieldInput) {
	v.Set(k+"kind", f.Kind)
	v.Set(k+"label", f.Label)
	v.Set(k+"position", f.Position)
	if f.Position == "" {
		v.Set(k+"page", strconv.Itoa(f.Page))
		v.Set(k+"x", strconv.FormatFloat(f.X, 'f', -1, 64))
		v.Set(k+"y", strconv.FormatFloat(f.Y, 'f', -1, 64))
	}
}

// readFieldRow reads row k's inputs (whom the field is for is the caller's).
func readFieldRow(r *http.Request, k string) signing.FieldInput {
	return signing.FieldInput{Kind: r.FormValue(k + "kind"), Position: r.FormValue(k + "position"), Page: number(r.FormValue(k + "page")),
		X: coord(r.FormValue(k + "x")), Y: coord(r.FormValue(k + "y")), Label: r.FormValue(k + "label")}
}

// rowErrors puts the engine's errors on rows (fields[2].page) on the
// form's inputs (f5-page), through the rows each list's items came from:
// rows maps the engine's list name to the form's prefix and rows. The
// form has no width or height: a field's kind gives its size.
func rowErrors(f *web.Form, re *regexp.Regexp, rows map[string]formRows, rename map[string]string) *web.Form {
	for i, fe := range f.Errors {
		m := re.FindStringSubmatch(fe.Field)
		if m == nil {
			continue
		}
		fr, ok := rows[m[1]]
		k, _ := strconv.Atoi(m[2])
		name := m[3]
		if n, ok := rename[name]; ok {
			name = n
		}
		if ok && k < len(fr.rows) {
			f.Errors[i].Field = fmt.Sprintf("%s%d-%s", fr.prefix, fr.rows[k], name)
		}
	}
	return f
}

type formRows struct {
	prefix string
	rows   []int
}

// placesJSON tells the page maps' script where each named position puts
// each kind of field on a document of pages, and each kind's size, so
// a field placed by name is drawn where it will be saved.
func placesJSON(pages int) (places, sizes string) {
	pl := map[string]map[string][][3]float64{}
	sz := map[string][2]float64{}
	for _, k := range kindOptions {
		w, h := signing.FieldSize(k.Value)
		sz[k.Value] = [2]float64{w, h}
		for _, pos := range signing.Positions {
			fs, _ := signing.PositionPlaces(pos, pages, k.Value)
			if pl[pos] == nil {
				pl[pos] = map[string][][3]float64{}
			}
			for _, f := range fs {
				pl[pos][k.Value] = append(pl[pos][k.Value], [3]float64{float64(f.Page), f.X, f.Y})
			}
		}
	}
	a, _ := json.Marshal(pl)
	b, _ := json.Marshal(sz)
	return string(a), string(b)
}

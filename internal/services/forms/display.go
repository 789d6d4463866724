package forms

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/services/definition"
)

// Display shows an answer to a person, for check-your-answers, the case
// page and exports: "£1,234.50", "6 November 2020", option labels, "Yes",
// an address one part per line (joined with "\n"), "report.pdf (2.1 MB)".
// A person field shows the user ID; Summary resolves names. It accepts
// answers read back from JSON as well as Decode's, and an answer of the
// wrong shape shows as nothing rather than as Go's formatting of it.
func Display(f *definition.Field, v any) string {
	if f == nil {
		return ""
	}
	sep := ", "
	if f.Type == definition.TypeAddress {
		sep = "\n"
	}
	return strings.Join(DisplayLines(f, v), sep)
}

// DisplayLines is Display as separate lines, for templates that put each
// address part or ticked option on its own line.
func DisplayLines(f *definition.Field, v any) []string {
	if f == nil || isEmpty(v) {
		return nil
	}
	sv, ok := shape(f, v)
	if !ok {
		return nil
	}
	switch f.Type {
	case definition.TypeMoney:
		return []string{FormatMoney(sv.(int64))}
	case definition.TypeDate:
		d, err := time.Parse(dateLayout, sv.(string))
		if err != nil {
			return []string{sv.(string)}
		}
		return []string{FormatDate(d)}
	case definition.TypeChoice:
		return []string{optionLabel(f, sv.(string))}
	case definition.TypeCheckboxes:
		var out []string
		for _, s := range sv.([]string) {
			out = append(out, optionLabel(f, s))
		}
		return out
	case definition.TypeYesNo:
		switch sv {
		case "yes":
			return []string{"Yes"}
		case "no":
			return []string{"No"}
		}
	case definition.TypeUKPhone:
		return []string{FormatPhone(sv.(string))}
	case definition.TypeAddress:
		a := sv.(definition.Address)
		var out []string
		for _, s := range []string{a.Line1, a.Line2, a.Town, a.Postcode} {
			if s != "" {
				out = append(out, s)
			}
		}
		return out
	case definition.TypeFile:
		file := sv.(definition.File)
		return []string{file.Name + " (" + FormatSize(file.Size) + ")"}
	case definition.TypeLongText:
		return strings.Split(sv.(string), "\n")
	}
	if s, ok := sv.(string); ok {
		return []string{s}
	}
	return nil
}

// optionLabel shows an option by its label; a value no longer among the
// options (a case on an older version) shows as itself.
func optionLabel(f *definition.Field, v string) string {
	if i := optionIndex(f, v); i >= 0 && f.Options[i].Label != "" {
		return f.Options[i].Label
	}
	return v
}

// FormatMoney shows pence as pounds: 123450 -> "£1,234.50".
func FormatMoney(pence int64) string {
	sign := ""
	if pence < 0 {
		sign, pence = "-", -pence
	}
	pounds := strconv.FormatInt(pence/100, 10)
	var b strings.Builder
	for i, c := range pounds {
		if i > 0 && (len(pounds)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + "£" + b.String() + "." + twoDigits(pence%100)
}

// poundsText is pence as a plain decimal ("1234.50"): what a money input
// is filled with, and what branching conditions compare.
func poundsText(pence int64) string {
	sign := ""
	if pence < 0 {
		sign, pence = "-", -pence
	}
	return sign + strconv.FormatInt(pence/100, 10) + "." + twoDigits(pence%100)
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// FormatPhone spaces a stored number the way it is read aloud: "020 7946
// 0000", "0121 496 0000", "01632 960 001", "07700 900 982".
func FormatPhone(d string) string {
	if len(d) != 11 {
		if len(d) == 10 {
			return d[:5] + " " + d[5:]
		}
		return d
	}
	switch {
	case strings.HasPrefix(d, "02"):
		return d[:3] + " " + d[3:7] + " " + d[7:]
	case strings.HasPrefix(d, "011") || (strings.HasPrefix(d, "01") && d[3] == '1') ||
		strings.HasPrefix(d, "03") || strings.HasPrefix(d, "08") || strings.HasPrefix(d, "09"):
		return d[:4] + " " + d[4:7] + " " + d[7:]
	}
	return d[:5] + " " + d[5:8] + " " + d[8:]
}

// Row is one line of check-your-answers or of a case's answers.
type Row struct {
	PageID  string // where "Change" goes
	FieldID string
	Label   string
	Lines   []string // the answer, one entry per line; empty when not answered
}

// Summary lists the answers on the path the person took, page by page, for
// check-your-answers (with "Change" links to PageID) and the case page.
// Person fields show the person's name through opts.People.
func Summary(def *definition.Definition, answers definition.Answers, opts Options) []Row {
	var rows []Row
	for _, pid := range Path(def, answers) {
		for _, fid := range pageByID(def, pid).Fields {
			f := fieldByID(def, fid)
			if f == nil || (f.Internal && !opts.AllowInternal) {
				continue
			}
			r := Row{PageID: pid, FieldID: fid, Label: f.Label, Lines: DisplayLines(f, answers[fid])}
			if f.Type == definition.TypePerson && len(r.Lines) == 1 && opts.People != nil {
				if name, ok := opts.People(r.Lines[0]); ok {
					r.Lines = []string{name}
				}
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// Inputs fills a page's inputs from saved answers, for a person coming
// back to a page: the inverse of Decode, so Decode(Inputs(a)) gives a back.
// File inputs cannot be filled by a server; Options.Saved keeps the file.
func Inputs(def *definition.Definition, page *definition.Page, answers definition.Answers) url.Values {
	in := url.Values{}
	for _, id := range page.Fields {
		f := fieldByID(def, id)
		v, ok := answers[id]
		if f == nil || !ok || isEmpty(v) {
			continue
		}
		sv, ok := shape(f, v)
		if !ok {
			continue
		}
		switch f.Type {
		case definition.TypeMoney:
			in.Set(id, poundsText(sv.(int64)))
		case definition.TypeDate:
			n := dateInputs(id)
			if d, err := time.Parse(dateLayout, sv.(string)); err == nil {
				in.Set(n[0], strconv.Itoa(d.Day()))
				in.Set(n[1], strconv.Itoa(int(d.Month())))
				in.Set(n[2], fmt.Sprintf("%04d", d.Year()))
			}
		case definition.TypeCheckboxes:
			in[id] = sv.([]string)
		case definition.TypeAddress:
			a, n := sv.(definition.Address), addressInputs(id)
			for i, s := range []string{a.Line1, a.Line2, a.Town, a.Postcode, a.UPRN} {
				if s != "" {
					in.Set(n[i], s)
				}
			}
		case definition.TypeFile:
		default:
			in.Set(id, sv.(string))
		}
	}
	return in
}

package forms

import (
	"reflect"
	"testing"

	"dbtp/internal/services/definition"
)

func TestDisplay(t *testing.T) {
	def := everyField()
	cases := []struct {
		field string
		v     any
		want  string
	}{
		{"amount", int64(123450), "£1,234.50"},
		{"amount", float64(5), "£0.05"},
		{"amount", int64(-100000099), "-£1,000,000.99"},
		{"dob", "2020-11-06", "6 November 2020"},
		{"services", []string{"bins", "tax"}, "Bin collection, Council Tax"},
		{"services", []any{"parking", "retired-option"}, "Parking, retired-option"},
		{"contact", "post", "Post"},
		{"reply", "yes", "Yes"},
		{"reply", "no", "No"},
		{"home", definition.Address{Line1: "1 High Street", Town: "Maidstone", Postcode: "ME14 1XQ", UPRN: "1"}, "1 High Street\nMaidstone\nME14 1XQ"},
		{"evidence", definition.File{Name: "report.pdf", Size: 2200000}, "report.pdf (2.1 MB)"},
		{"evidence", map[string]any{"name": "a.png", "size": float64(812)}, "a.png (812 bytes)"},
		{"phone", "07700900982", "07700 900 982"},
		{"phone", "02079460000", "020 7946 0000"},
		{"phone", "01214960000", "0121 496 0000"},
		{"phone", "01632960001", "01632 960 001"},
		{"name", "Ann", "Ann"},
		{"name", nil, ""},
		{"amount", "not pence", ""},
		{"officer", "usr_ann", "usr_ann"},
	}
	for _, c := range cases {
		if got := Display(fieldByID(def, c.field), c.v); got != c.want {
			t.Errorf("Display(%s, %#v) = %q, want %q", c.field, c.v, got, c.want)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1024: "1 KB", 10 << 20: "10 MB", 2202010: "2.1 MB", 3 << 30: "3 GB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSummaryFollowsThePathAndNamesPeople(t *testing.T) {
	def := branching()
	def.Fields = append(def.Fields, definition.Field{ID: "helper", Type: definition.TypePerson, Label: "Who helped?"})
	def.Pages[4].Fields = append(def.Pages[4].Fields, "helper")
	a := definition.Answers{"kind": "compliment", "praise": "The library", "helper": "usr_ann", "what": "stale"}
	rows := Summary(def, a, testOpts())
	want := []Row{
		{PageID: "p-kind", FieldID: "kind", Label: "What would you like to do?", Lines: []string{"Pay a compliment"}},
		{PageID: "p-compliment", FieldID: "praise", Label: "Who helped you?", Lines: []string{"The library"}},
		{PageID: "p-compliment", FieldID: "helper", Label: "Who helped?", Lines: []string{"Ann Officer"}},
		{PageID: "p-contact", FieldID: "email", Label: "Email address"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("Summary =\n%#v\nwant\n%#v", rows, want)
	}
}

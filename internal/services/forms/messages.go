package forms

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/services/definition"
)

// GOV.UK error messages name the thing to fix ("Enter your full name"), so
// they are made from the field's label. A definition says only the label, so
// these helpers turn a label into the noun the messages need: "What is your
// full name?" becomes "your full name"; a question that does not reduce to a
// noun falls back to a plain description of the kind of answer.

// questionWords start labels that are questions or instructions ("Tell us
// what happened") rather than nouns.
var questionWords = []string{"which ", "how ", "when ", "where ", "who ", "why ", "do ", "does ", "did ",
	"are ", "is ", "was ", "were ", "have ", "has ", "can ", "could ", "would ", "will ", "should ", "what ",
	"tell ", "give ", "describe ", "explain ", "enter ", "select ", "choose ", "provide ", "list ", "upload ", "add "}

// fallbackNoun describes an answer by its type, for question labels.
var fallbackNoun = map[definition.FieldType]string{
	definition.TypeText:       "your answer",
	definition.TypeLongText:   "your answer",
	definition.TypeNumber:     "a number",
	definition.TypeMoney:      "an amount",
	definition.TypeDate:       "a date",
	definition.TypeEmail:      "an email address",
	definition.TypeUKPhone:    "a telephone number",
	definition.TypeUKPostcode: "a postcode",
	definition.TypeAddress:    "an address",
	definition.TypeChoice:     "an option",
	definition.TypeCheckboxes: "at least one option",
	definition.TypeYesNo:      "yes or no",
	definition.TypeFile:       "a file",
	definition.TypePerson:     "a person",
}

// fallbackSubject starts "... must be ..." sentences for question labels.
var fallbackSubject = map[definition.FieldType]string{
	definition.TypeNumber: "The number",
	definition.TypeMoney:  "The amount",
	definition.TypeDate:   "The date",
	definition.TypeFile:   "The selected file",
}

// noun is the label as the object of "Enter" or "Select".
func noun(f *definition.Field) string {
	l := strings.TrimRight(strings.TrimSpace(f.Label), "?.: ")
	low := strings.ToLower(l)
	for _, p := range []string{"what is ", "what's ", "what was ", "what are "} {
		if strings.HasPrefix(low, p) && len(l) > len(p) {
			return l[len(p):]
		}
	}
	if l == "" || hasQuestionWord(low) {
		if n, ok := fallbackNoun[f.Type]; ok {
			return n
		}
		return "your answer"
	}
	return lowerFirst(l)
}

// subject is the label as the start of a sentence: "Date of birth must be
// in the past".
func subject(f *definition.Field) string {
	low := strings.ToLower(strings.TrimSpace(f.Label))
	if strings.TrimSpace(f.Label) == "" || (hasQuestionWord(low) && !strings.HasPrefix(low, "what")) {
		if s, ok := fallbackSubject[f.Type]; ok {
			return s
		}
		return "Your answer"
	}
	return upperFirst(noun(f))
}

func hasQuestionWord(low string) bool {
	for _, w := range questionWords {
		if strings.HasPrefix(low, w) {
			return true
		}
	}
	return false
}

// requiredMessage is what a required field left empty says.
func requiredMessage(f *definition.Field) string {
	switch f.Type {
	case definition.TypeChoice, definition.TypeCheckboxes, definition.TypeFile, definition.TypePerson:
		return "Select " + noun(f)
	case definition.TypeYesNo:
		return yesNoMessage(f)
	}
	return "Enter " + noun(f)
}

// yesNoMessage follows the GOV.UK pattern "Select yes if you want a reply"
// for the common question shapes, and "Select yes or no" otherwise.
func yesNoMessage(f *definition.Field) string {
	l := strings.TrimRight(strings.TrimSpace(f.Label), "?.: ")
	low := strings.ToLower(l)
	for _, p := range [][2]string{{"do you ", "you "}, {"are you ", "you are "}, {"have you ", "you have "},
		{"were you ", "you were "}, {"would you ", "you would "}, {"will you ", "you will "}, {"can you ", "you can "}} {
		if strings.HasPrefix(low, p[0]) && len(l) > len(p[0]) {
			return "Select yes if " + p[1] + l[len(p[0]):]
		}
	}
	return "Select yes or no"
}

// lowerFirst lower-cases the first letter unless the word is an acronym
// ("NHS number" stays as it is).
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

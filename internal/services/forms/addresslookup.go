package forms

import (
	"strings"

	"dbtp/internal/services/definition"
)

// An address question, when the council's gazetteer is loaded, is asked
// in the GOV.UK "find an address" pattern: a postcode box
// ("<field>-lookup") and a Find address button (LookupButton), then the
// postcode's addresses as radio buttons ("<field>-uprn", the UPRN), with
// "I cannot find the address in the list" leading to the usual typed
// address, which the page marks with a hidden "<field>-manual". The
// answer chosen is the gazetteer's address with its UPRN, never what the
// browser sends as lines.

// AddressPostcodeSearch is the postcode box of an address question.
func AddressPostcodeSearch(fieldID string) string { return fieldID + "-lookup" }

// AddressManual marks an address question answered by typing.
func AddressManual(fieldID string) string { return fieldID + "-manual" }

// AddressChoice is the radio group of a postcode's addresses.
func AddressChoice(fieldID string) string { return fieldID + "-uprn" }

// Messages of the find-an-address pattern, shared with the pages that
// draw it.
const (
	MsgPostcodeInvalid = "Enter a real postcode, like ME14 1XQ"
	MsgAddressChoose   = "Select the address from the list, or enter it manually"
)

// PostcodeMissing is the message for a required address question left
// without a postcode.
func PostcodeMissing(f *definition.Field) string {
	return "Enter a postcode to find " + noun(f)
}

// OneLine shows an address on one line, as a list of addresses to choose
// from does.
func OneLine(a definition.Address) string {
	var parts []string
	for _, s := range []string{a.Line1, a.Line2, a.Town, a.Postcode} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// decodeChosenAddress reads an address question in find mode: the UPRN
// chosen, checked against the postcode searched for, so a person who
// typed a new postcode and pressed Continue sees that postcode's list
// rather than keeping the old choice.
func decodeChosenAddress(f *definition.Field, uprn, postcode string, opts Options, e *errs) (any, bool) {
	search, choice := AddressPostcodeSearch(f.ID), AddressChoice(f.ID)
	pc, pcOK := ParsePostcode(postcode)
	switch {
	case uprn == "" && postcode == "":
		if f.Required {
			e.add(search, PostcodeMissing(f))
		}
		return nil, false
	case postcode != "" && !pcOK:
		e.add(search, MsgPostcodeInvalid)
		return nil, false
	case uprn == "" || len(uprn) > maxUPRN:
		e.add(choice, MsgAddressChoose)
		return nil, false
	}
	a, ok := opts.Address(uprn)
	if !ok || (postcode != "" && a.Postcode != pc) {
		e.add(choice, MsgAddressChoose)
		return nil, false
	}
	// The same checks as a typed address, so what is stored passes
	// ValidateAll at submission whatever the gazetteer holds.
	return checkAddress(a, [5]string{choice, choice, choice, choice, choice}, e)
}

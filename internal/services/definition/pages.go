package definition

import (
	"fmt"
	"slices"
	"strings"
)

func (c *checker) checkPages() {
	d := c.d
	c.pages = map[string]int{}
	if len(d.Pages) == 0 {
		c.add("pages", "missing; list the pages that ask the questions")
		return
	}
	if len(d.Pages) > maxPages {
		c.add("pages", "%d pages is more than the %d allowed; split the service", len(d.Pages), maxPages)
		return
	}
	askedOn := map[string]int{} // field ID -> index of the page asking it
	for i := range d.Pages {
		pg := &d.Pages[i]
		p := fmt.Sprintf("pages[%d]", i)
		if c.identifier(p+".id", pg.ID, pageIDPattern, "lower-case words joined by hyphens or underscores, like contact-details") {
			if j, dup := c.pages[pg.ID]; dup {
				c.add(p+".id", "page %q is already defined at pages[%d]", pg.ID, j)
			} else if pg.ID == CheckAnswersPage {
				c.add(p+".id", "%q is reserved for the check-your-answers page", pg.ID)
			} else {
				c.pages[pg.ID] = i
			}
		}
		if len(pg.Fields) == 0 {
			c.add(p+".fields", "missing; a page asks at least one question")
		}
		if len(pg.Fields) > 1 && strings.TrimSpace(pg.Title) == "" {
			c.add(p+".title", "missing; a page asking several questions needs its own heading")
		}
		for j, id := range pg.Fields {
			fp := fmt.Sprintf("%s.fields[%d]", p, j)
			f := c.field(id)
			switch {
			case f == nil:
				c.add(fp, "unknown field %q", id)
			case f.Internal:
				c.add(fp, "%q is internal: staff fill it in during the workflow, so no page may ask it", id)
			default:
				if k, dup := askedOn[id]; dup {
					c.add(fp, "%q is already asked on page %q; ask each question once", id, d.Pages[k].ID)
				} else {
					askedOn[id] = i
				}
			}
		}
	}
	for i, f := range d.Fields {
		if j, ok := c.fields[f.ID]; ok && j == i && !f.Internal {
			if _, asked := askedOn[f.ID]; asked {
				continue
			}
			c.add(fmt.Sprintf("fields[%d].id", i), "%q is asked on no page; add it to a page, or mark it internal: true if staff fill it in", f.ID)
		}
	}
	c.checkPageGraph(askedOn)
}

// checkPageGraph follows the rules between pages: targets exist, no loops,
// every page reachable, and conditions only test answers already given.
func (c *checker) checkPageGraph(askedOn map[string]int) {
	pages := c.d.Pages
	succ := make([][]int, len(pages)) // page -> pages its rules lead to
	for i, pg := range pages {
		always := false
		for j, r := range pg.Next {
			rp := fmt.Sprintf("pages[%d].next[%d]", i, j)
			if always {
				c.add(rp, "never used: an earlier rule on this page has no if, so it always wins")
			}
			if r.If == nil {
				always = true
			} else {
				c.checkConditionShape(rp+".if", r.If)
			}
			switch k, ok := c.pages[r.Goto]; {
			case r.Goto == "":
				c.add(rp+".goto", "missing; want a page ID or %q", CheckAnswersPage)
			case r.Goto == CheckAnswersPage:
			case !ok:
				c.add(rp+".goto", "unknown page %q", r.Goto)
			default:
				succ[i] = append(succ[i], k)
			}
		}
	}
	order, acyclic := c.walkPages(succ)
	reached := make([]bool, len(pages))
	for _, i := range order {
		reached[i] = true
	}
	for i, pg := range pages {
		if !reached[i] && pg.ID != "" {
			c.add(fmt.Sprintf("pages[%d].id", i), "page %q cannot be reached from the first page %q", pg.ID, pages[0].ID)
		}
	}
	if acyclic {
		c.checkConditionsAnswered(order, succ)
	}
}

// walkPages does a depth-first walk from the first page, reporting each rule
// that leads back to a page on the current path (a loop a person could never
// leave). It returns the reachable pages in topological order.
func (c *checker) walkPages(succ [][]int) (order []int, acyclic bool) {
	const (
		unseen = iota
		onPath
		done
	)
	state := make([]int, len(succ))
	acyclic = true
	var post []int
	var visit func(i int)
	visit = func(i int) {
		state[i] = onPath
		for j, r := range c.d.Pages[i].Next {
			k, ok := c.pages[r.Goto]
			if !ok {
				continue
			}
			switch state[k] {
			case onPath:
				acyclic = false
				c.add(fmt.Sprintf("pages[%d].next[%d].goto", i, j), "goes back to page %q, making a loop", r.Goto)
			case unseen:
				visit(k)
			}
		}
		state[i] = done
		post = append(post, i)
	}
	visit(0)
	slices.Reverse(post)
	return post, acyclic
}

// checkConditionsAnswered checks that every condition on a page tests a field
// answered on that page or on one that every path to it passes through;
// otherwise the branch would depend on a question some people never saw.
func (c *checker) checkConditionsAnswered(order []int, succ [][]int) {
	pages := c.d.Pages
	// answered[i] is the set of fields answered on every path through page i
	// (including page i itself); nil means not yet computed.
	answered := make([]map[string]bool, len(pages))
	before := make([]map[string]bool, len(pages))
	before[order[0]] = map[string]bool{}
	for _, i := range order {
		set := map[string]bool{}
		for f := range before[i] {
			set[f] = true
		}
		for _, f := range pages[i].Fields {
			set[f] = true
		}
		answered[i] = set
		for _, k := range succ[i] {
			if before[k] == nil {
				before[k] = set
				continue
			}
			meet := map[string]bool{}
			for f := range before[k] {
				if set[f] {
					meet[f] = true
				}
			}
			before[k] = meet
		}
	}
	for _, i := range order {
		for j, r := range pages[i].Next {
			if r.If == nil || r.If.Field == "" || c.field(r.If.Field) == nil || answered[i][r.If.Field] {
				continue
			}
			c.add(fmt.Sprintf("pages[%d].next[%d].if.field", i, j),
				"%q is not answered on this page or on every path before it, so the rule could test a question never asked", r.If.Field)
		}
	}
}

// checkConditionShape checks one condition on its own: a known, asked field,
// exactly one test, and values the field can take.
func (c *checker) checkConditionShape(p string, cond *Condition) {
	f := c.field(cond.Field)
	switch {
	case cond.Field == "":
		c.add(p+".field", "missing; name the field whose answer decides the branch")
		return
	case f == nil:
		c.add(p+".field", "unknown field %q", cond.Field)
		return
	case f.Internal:
		c.add(p+".field", "%q is internal, so it has no answer while the form is being filled in", cond.Field)
		return
	}
	tests := 0
	if cond.Equals != "" {
		tests++
	}
	if cond.In != nil {
		tests++
	}
	if cond.Answered != nil {
		tests++
	}
	switch {
	case tests == 0:
		c.add(p, "say what to test: equals, in or answered")
	case tests > 1:
		c.add(p, "use only one of equals, in and answered")
	case cond.In != nil && len(cond.In) == 0:
		c.add(p+".in", "an empty list never matches")
	}
	values := fieldValues(f)
	if values == nil {
		return
	}
	known := map[string]bool{}
	for _, v := range values {
		known[v] = true
	}
	if cond.Equals != "" && !known[cond.Equals] {
		c.add(p+".equals", "%q is not a value of %q; want one of %s", cond.Equals, f.ID, strings.Join(values, ", "))
	}
	for k, v := range cond.In {
		if !known[v] {
			c.add(fmt.Sprintf("%s.in[%d]", p, k), "%q is not a value of %q; want one of %s", v, f.ID, strings.Join(values, ", "))
		}
	}
}

// fieldValues lists the answers a field can have, when there is a fixed set.
func fieldValues(f *Field) []string {
	switch f.Type {
	case TypeYesNo:
		return []string{"yes", "no"}
	case TypeChoice, TypeCheckboxes:
		values := make([]string, len(f.Options))
		for i, o := range f.Options {
			values[i] = o.Value
		}
		return values
	}
	return nil
}

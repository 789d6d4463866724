package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"dbtp/internal/platform"
)

//go:embed templates
var webTemplates embed.FS

// Site is the identity shown on every page.
type Site struct {
	CouncilName string
	ServiceName string
	BrandColour string // "#rrggbb", validated by Config
}

// NavItem is one link in the service navigation. Modules add theirs with
// Renderer.AddNav. Showing a link is not permission: handlers still ask the
// access module.
type NavItem struct {
	Label  string
	Href   string
	Roles  []platform.Role // shown to subjects holding any of these; empty means every signed-in subject
	Public bool            // shown to everyone, including signed-out visitors
	// Group gathers links under one menu item leading to a page that lists
	// them (AdminGroup: the administration pages, which would otherwise
	// fill a narrow screen before the content).
	Group string
	// Order places the link: lower first, ties in the order added. Each
	// role's most used page comes first (cases for staff, services for
	// residents); administration and the person's own account come last.
	Order int
}

// NavLink is a NavItem as rendered for one request.
type NavLink struct {
	Label   string
	Href    string
	Current bool
}

// Renderer holds every page template. Each page is its own template set
// (a clone of the layout and components plus the page file and its module's
// partials) so every page can define the same "title" and "content" blocks.
type Renderer struct {
	site   Site
	base   *template.Template // layout and components; cloned, never executed
	mu     sync.RWMutex
	pages  map[string]*template.Template
	nav    []NavItem
	footer []NavLink
}

// NewRenderer parses the layout, components and error pages.
func NewRenderer(site Site) (*Renderer, error) {
	base, err := template.New("base").Funcs(funcs).ParseFS(webTemplates, "templates/layout.html", "templates/components/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parsing layout: %w", err)
	}
	rn := &Renderer{site: site, base: base, pages: map[string]*template.Template{}}
	if err := rn.Add(webTemplates, "templates/errors/*.html", "templates/web/*.html"); err != nil {
		return nil, err
	}
	return rn, nil
}

// Add parses page templates from a module's embedded files. A page's name is
// its path after the last "templates/" folder without the extension, so
// "templates/users/list.html" becomes "users/list": keep each module's pages
// in a folder named after the module. Each page must define "title" (the
// text for <title>; the layout adds the service and council names) and
// "content" (inside <main>, starting with the page's h1); it may define
// "beforeContent" (a back link). Dot is a View: module data is .Data. Files whose
// name starts with "_" are partials shared by the pages of this call.
func (rn *Renderer) Add(fsys fs.FS, patterns ...string) error {
	var pages, partials []string
	for _, p := range patterns {
		matches, err := fs.Glob(fsys, p)
		if err != nil {
			return fmt.Errorf("web: templates %q: %w", p, err)
		}
		if len(matches) == 0 {
			return fmt.Errorf("web: templates %q match no files", p)
		}
		for _, m := range matches {
			if strings.HasPrefix(path.Base(m), "_") {
				partials = append(partials, m)
			} else {
				pages = append(pages, m)
			}
		}
	}
	sort.Strings(pages)
	built := map[string]*template.Template{}
	for _, file := range pages {
		name := pageName(file)
		t, err := rn.base.Clone()
		if err != nil {
			return fmt.Errorf("web: page %s: %w", name, err)
		}
		if len(partials) > 0 {
			if t, err = t.ParseFS(fsys, partials...); err != nil {
				return fmt.Errorf("web: partials for %s: %w", name, err)
			}
		}
		if t, err = t.ParseFS(fsys, file); err != nil {
			return fmt.Errorf("web: page %s: %w", name, err)
		}
		for _, block := range []string{"title", "content"} {
			if t.Lookup(block) == nil {
				return fmt.Errorf("web: page %s does not define %q", name, block)
			}
		}
		built[name] = t
	}
	rn.mu.Lock()
	defer rn.mu.Unlock()
	for name := range built {
		if _, dup := rn.pages[name]; dup {
			return fmt.Errorf("web: page %s is defined twice", name)
		}
	}
	for name, t := range built {
		rn.pages[name] = t
	}
	return nil
}

// pageName is the part of file after its last "templates/" folder, without
// the extension.
func pageName(file string) string {
	if i := strings.LastIndex("/"+file, "/templates/"); i >= 0 {
		file = file[i+len("templates/"):]
	}
	return strings.TrimSuffix(file, path.Ext(file))
}

// AddNav adds service navigation links, shown in the order added.
func (rn *Renderer) AddNav(items ...NavItem) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.nav = append(rn.nav, items...)
	slices.SortStableFunc(rn.nav, func(a, b NavItem) int { return a.Order - b.Order })
}

// AddFooterLink adds a link to the footer, such as the accessibility
// statement or privacy notice.
func (rn *Renderer) AddFooterLink(label, href string) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.footer = append(rn.footer, NavLink{Label: label, Href: href})
}

// View is what the layout and every page template receive as dot. Module
// data is under .Data; .Form is never nil, so components can always call
// its methods.
type View struct {
	Data    any
	Form    *Form
	Site    Site
	Subject *platform.Subject
	Nav     []NavLink
	Footer  []NavLink
	Nonce   string
	Path    string
	Flash   string
	Notice  bool // the flash is something to know, not a success
	req     *http.Request
}

// CSRFToken returns a token for a form on this page. It is a method, not a
// field, so the CSRF cookie is only set on pages that contain a form.
func (v View) CSRFToken() string { return CSRFToken(v.req) }

// BrandCSS is the declaration that applies the configured brand colour.
// The colour was validated as #rrggbb at start-up, so it is safe CSS.
func (v View) BrandCSS() template.CSS {
	if !hexColour.MatchString(v.Site.BrandColour) {
		return ""
	}
	return template.CSS(":root{--dbtp-brand:" + v.Site.BrandColour + "}")
}

// FormStater is implemented by page data that carries a form's state;
// embedding *Form in a page struct is enough.
type FormStater interface{ FormState() *Form }

// Render executes page name with data and writes it with status. It renders
// into a buffer first, so a template error becomes a clean 500 rather than
// half a page.
func (rn *Renderer) Render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	rn.mu.RLock()
	t, ok := rn.pages[name]
	nav, footer := rn.nav, rn.footer
	rn.mu.RUnlock()
	if !ok {
		return platform.Internal(fmt.Errorf("web: no page template %q", name))
	}
	v := View{Data: data, Site: rn.site, Subject: SubjectOf(r), Nonce: Nonce(r), Path: r.URL.Path, Footer: footer, req: r}
	if fs, ok := data.(FormStater); ok && fs.FormState() != nil {
		v.Form = fs.FormState()
	} else {
		v.Form = &Form{}
	}
	v.Nav = navFor(nav, v.Subject, r.URL.Path)
	if status < 400 {
		// An error page (say, a missing image) must not swallow the
		// confirmation meant for the page the person is going to.
		v.Flash, v.Notice = takeFlash(w, r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return platform.Internal(fmt.Errorf("web: rendering %s: %w", name, err))
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	buf.WriteTo(w)
	return nil
}

// Render writes page name using the server's renderer; modules call this
// from their handlers.
func Render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	st := stateOf(r)
	if st == nil || st.srv == nil {
		return platform.Internal(fmt.Errorf("web: Render(%s) outside a web.Server request", name))
	}
	return st.srv.renderer.Render(w, r, status, name, data)
}

// AdminGroup is the menu group of the administration pages, at
// AdminGroupPath.
const (
	AdminGroup     = "Administration"
	AdminGroupPath = "/administration"
)

func visibleTo(it NavItem, s *platform.Subject) bool {
	return it.Public || s.Authenticated() && (len(it.Roles) == 0 || slices.ContainsFunc(it.Roles, s.HasRole))
}

// groupLinks are the links of group that s may see, in order.
func groupLinks(items []NavItem, s *platform.Subject, group string) []NavLink {
	var out []NavLink
	for _, it := range items {
		if it.Group == group && visibleTo(it, s) {
			out = append(out, NavLink{Label: it.Label, Href: it.Href})
		}
	}
	return out
}

func navFor(items []NavItem, s *platform.Subject, current string) []NavLink {
	var links []NavLink
	best := -1
	grouped := map[string]int{} // group -> index of its link
	for _, it := range items {
		if !visibleTo(it, s) {
			continue
		}
		if it.Group != "" {
			i, seen := grouped[it.Group]
			if !seen {
				links = append(links, NavLink{Label: it.Group, Href: AdminGroupPath})
				i = len(links) - 1
				grouped[it.Group] = i
			}
			if current == AdminGroupPath || current == it.Href || strings.HasPrefix(current, strings.TrimSuffix(it.Href, "/")+"/") {
				best = i
			}
			continue
		}
		links = append(links, NavLink{Label: it.Label, Href: it.Href})
		// The longest matching prefix is the current section.
		if current == it.Href || it.Href != "/" && strings.HasPrefix(current, strings.TrimSuffix(it.Href, "/")+"/") {
			if best < 0 || len(it.Href) > len(links[best].Href) {
				best = len(links) - 1
			}
		}
	}
	if best >= 0 {
		links[best].Current = true
	}
	return links
}

var funcs = template.FuncMap{
	"asset": AssetURL,
	// dict builds the argument of a component template, in the way
	// GOV.UK Frontend's Nunjucks macros take an object.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict needs key/value pairs, got %d arguments", len(kv))
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"join": strings.Join,
	// str makes a missing dict key (nil) comparable as "".
	"str": func(v any) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	},
	"add": func(a, b int) int { return a + b },
	// size is a file's size in words ("44 KB").
	"size": platform.SizeText,
}

// serveAdminGroup lists the administration pages the person may use: one
// menu item instead of a dozen on a narrow screen.
func (s *Server) serveAdminGroup(w http.ResponseWriter, r *http.Request) error {
	rn := s.Renderer()
	rn.mu.RLock()
	links := groupLinks(rn.nav, SubjectOf(r), AdminGroup)
	rn.mu.RUnlock()
	if len(links) == 0 {
		return platform.Errorf(platform.CodeForbidden, "You do not have access to administration.")
	}
	return rn.Render(w, r, http.StatusOK, "web/group", struct {
		Title string
		Links []NavLink
	}{AdminGroup, links})
}

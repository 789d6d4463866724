package web_test

import (
	"embed"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// A module keeps its templates beside its code, in a folder named after it:
// templates/widgets/list.html defines "title" and "content".
var moduleTemplates embed.FS

type widget struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// This is how a module registers a page, a form post and a documented API
// route. cmd/dbtp builds the server and calls the module's Register.
func Example() {
	srv, err := web.NewServer(web.Config{CouncilName: "Testshire Council", BaseURL: "https://services.testshire.gov.uk"},
		slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		panic(err)
	}
	// In a module: srv.Renderer().Add(moduleTemplates, "templates/widgets/*.html")
	_ = moduleTemplates
	srv.Renderer().AddNav(web.NavItem{Label: "Widgets", Href: "/widgets", Roles: []platform.Role{platform.RoleStaff}})

	srv.Router().Handle("GET /widgets", web.RequireSignedInFunc(func(w http.ResponseWriter, r *http.Request) error {
		page, err := web.ParsePage(r)
		if err != nil {
			return err
		}
		_ = page // query the store with page.Cursor and page.Limit
		return web.Render(w, r, http.StatusOK, "widgets/list", nil)
	}))
	srv.Router().HandleFunc("POST /widgets", func(w http.ResponseWriter, r *http.Request) error {
		name := r.PostFormValue("name") // CSRF, size and UTF-8 were checked already
		if name == "" {
			err := platform.Invalid("Check the widget", platform.FieldError{Field: "name", Message: "Enter a name"})
			return web.Render(w, r, web.StatusOf(err), "widgets/new", web.FormErrors(r, err))
		}
		web.SetFlash(w, r, "Widget created")
		http.Redirect(w, r, "/widgets", http.StatusSeeOther)
		return nil
	})
	srv.API().HandleFunc("GET /api/v1/widgets/{id}", web.Op{
		Summary: "Get a widget", Tags: []string{"widgets"}, Scopes: []string{"widgets:read"},
		Responses: map[int]web.Response{200: {Description: "The widget", Schema: web.SchemaOf(widget{})}},
	}, func(w http.ResponseWriter, r *http.Request) error {
		if !platform.ValidID("wgt", r.PathValue("id")) {
			return platform.NotFound("widget")
		}
		return web.WriteJSON(w, http.StatusOK, widget{ID: r.PathValue("id")})
	})

	// cmd/dbtp then runs srv.ListenAndServe(ctx) with a context cancelled
	// on SIGTERM; Serve drains in-flight requests and returns.
	undocumented, unrouted := web.CheckAPIDocumented(srv.Router(), srv.API().Document())
	fmt.Println(len(undocumented), len(unrouted))
	// Output: 0 0
}

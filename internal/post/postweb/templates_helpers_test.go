package postweb

import (
	"net/url"

	"dbtp/internal/web/webtest"
)

// postFollow posts a form and, as a browser does, follows the redirect
// that answers a successful post.
func postFollow(b *webtest.Browser, path string, v url.Values) *webtest.Response {
	res := b.PostForm(path, v)
	if res.Status == 303 {
		return b.Get(res.Header.Get("Location"))
	}
	return res
}

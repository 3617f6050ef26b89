package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
)

func TestDbgCookies(t *testing.T) {
	srv := serveSinau(t, nil)
	b := newBrowser(t, findChromium(t), srv.url)
	b.open("login", "/login", http.StatusOK)
	a := run(b, "c1", func(ctx context.Context, tg *chromedp.Target) (any, error) {
		r1, e1 := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{})
		r2, e2 := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
		r3, e3 := cdp.Call(ctx, tg, storage.GetCookies, storage.GetCookiesParams{})
		t.Logf("%d %v | %d %v | %d %v", len(r1.Cookies), e1, len(r2.Cookies), e2, len(r3.Cookies), e3)
		return nil, nil
	})
	_ = a
}

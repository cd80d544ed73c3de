import Foundation

/// The dashboard served at `/`: one self-contained HTML page (inline CSS and JavaScript, no build step, no CDN, no
/// outside URL at all; the page's `Content-Security-Policy` allows only inline styles and scripts, this origin and
/// its WebSocket). Its sources are resources of this target: `dashboard.html` (which, opened from disk, links
/// `dashboard.css` and `dashboard.js` beside it), `dashboard.css` and `dashboard.js`; the server inlines the
/// stylesheet and the script in place of their link and tag when it first serves the page.
///
/// What it shows: the accounts by health (counts and a paged table, filterable by health), a chosen account's
/// summary, its risk-array heat map (price moves × vol and time shifts, per underlying, drawn as SVG from
/// `GET /v1/accounts/{id}/margin`) and price-loss curve, its liquidation prices, the liquidation feed
/// (`GET /v1/liquidations`, then live), the insurance fund, and the latest commitment over every account (its signed
/// root, abbreviated with the whole on hover and a click to copy, the four column totals in USD, the accounts
/// counted, the sequence and the valuation time: `GET /v1/commitment`, every 15 s at most). It updates live over `GET /v1/stream`: the
/// all-accounts stream (health transitions and liquidation notices; admin and viewer keys) and the chosen
/// account's stream (its margin); margin messages re-fetch the account's report, conflated to one request in
/// flight and at most one a second.
///
/// Authentication: the page asks for an API key (a password field) and keeps it in `sessionStorage` for the tab
/// only; a key can also be handed over in the URL fragment, `/#key=KEY`, which browsers never send to the
/// server; the page moves it to `sessionStorage` and removes it from the address bar. HTTP requests carry
/// `Authorization: Bearer KEY`; the WebSocket, whose headers a browser cannot set, offers the subprotocols
/// `margin.v1, bearer.KEY` (``GateMiddleware/bearer(_:)``), and the server answers `margin.v1`.
///
/// Browser checks: once a heat map has been drawn from a real margin report, `document.body.dataset.heatmap`
/// and `<div id="heatmap-ready" data-cells="N">` give the number of cells drawn
/// (`scripts/dashboard-screenshot.sh`).
enum DashboardPage {
    /// The page as served, assembled once from the bundled files, or why it could not be (an installation fault:
    /// `GET /` answers 500 with it).
    static let html: Result<String, BundledResourceError> = Result { () throws(BundledResourceError) in
        try assemble(page: try BundledResource("dashboard", "html").text(),
                     stylesheet: try BundledResource("dashboard", "css").text(),
                     script: try BundledResource("dashboard", "js").text())
    }

    /// The stylesheet's link in `dashboard.html`, replaced by the inline stylesheet.
    static let stylesheetLink = #"<link rel="stylesheet" href="dashboard.css">"#
    /// The script's tag in `dashboard.html`, replaced by the inline script.
    static let scriptTag = #"<script src="dashboard.js"></script>"#

    /// `page` with ``stylesheetLink`` and ``scriptTag`` replaced by `<style>` and `<script>` elements holding
    /// `stylesheet` and `script` (each file's text ends with its newline).
    ///
    /// - Throws: ``BundledResourceError/markerMissing(file:marker:)`` when the page lacks the link or the tag.
    static func assemble(page: String, stylesheet: String, script: String) throws(BundledResourceError) -> String {
        for marker in [stylesheetLink, scriptTag] where !page.contains(marker) {
            throw .markerMissing(file: "dashboard.html", marker: marker)
        }
        return page.replacingOccurrences(of: stylesheetLink, with: "<style>\n\(stylesheet)</style>")
            .replacingOccurrences(of: scriptTag, with: "<script>\n\(script)</script>")
    }
}

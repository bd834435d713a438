//! Status update bodies are Markdown. The public page renders them, but only as Markdown:
//! raw HTML in a body is shown as the text it is, images become plain links (a public page
//! must not load what an update points at), and links keep only `http`, `https` and `mailto`
//! targets. pulldown-cmark escapes text and attribute values itself.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// The body as HTML that is safe to put in the page as is.
pub fn to_safe_html(markdown: &str) -> String {
    let events =
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            })
            | Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: safe_target(dest_url),
                title,
                id,
            }),
            Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
            other => other,
        });
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, events);
    out
}

/// A link target a public page may point at; anything else (`javascript:`, `data:`, …)
/// becomes an empty target.
fn safe_target(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim_start().to_ascii_lowercase();
    if ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
    {
        url
    } else {
        CowStr::Borrowed("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered() {
        let out = to_safe_html("We **identified** the cause.\n\n- one\n- two");
        assert!(out.contains("<strong>identified</strong>"), "{out}");
        assert!(out.contains("<li>one</li>"), "{out}");
    }

    #[test]
    fn raw_html_is_text() {
        let out = to_safe_html("<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)>");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(
            out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{out}"
        );
    }

    #[test]
    fn only_web_and_mail_links_keep_their_target() {
        let out = to_safe_html(
            "[a](javascript:alert(1)) [b]( JAVASCRIPT:x) [c](data:text/html,x) [d](https://example.com/x?a=1&b=\"2\") ![e](https://tracker.example/p.gif)",
        );
        assert!(!out.to_ascii_lowercase().contains("javascript"), "{out}");
        assert!(!out.contains("data:"), "{out}");
        assert!(
            out.contains(r#"<a href="https://example.com/x?a=1&amp;b=%222%22">d</a>"#),
            "{out}"
        );
        assert!(!out.contains("<img"), "{out}");
        assert!(
            out.contains(r#"<a href="https://tracker.example/p.gif">e</a>"#),
            "{out}"
        );
    }
}

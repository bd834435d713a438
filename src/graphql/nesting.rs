//! How deeply a GraphQL document nests, read from its text before anything parses it.
//!
//! async-graphql-parser 7.2.1 recurses once per nested list value, object value and list type
//! without a bound (it bounds only selection sets): about 1,500 nested `[` in one argument
//! overflow a tokio worker's stack and abort the whole process. So every transport scans the
//! text first and refuses a document nested deeper than a bound no real query comes near. The
//! scan is linear and allocation-free; brackets inside strings, block strings and comments do
//! not count, because the parser does not recurse on them.

/// The deepest nesting of `{`, `[` and `(` any document may have. graphql-js's standard
/// introspection query nests 17 levels of braces (its `TypeRef` fragment alone is 9); no
/// hindsight query comes near 64.
pub const MAX_NESTING: usize = 64;

/// `Err(limit)` when `document` opens more than `limit` brackets (`{`, `[`, `(`) inside one
/// another outside strings and comments; `Ok(deepest)` otherwise. Stops at the first level
/// past the limit, so a megabyte of brackets costs no more than the limit's worth of work
/// after the scan reaches it.
pub fn check(document: &str, limit: usize) -> Result<usize, usize> {
    let bytes = document.as_bytes();
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > limit {
                    return Err(limit);
                }
                deepest = deepest.max(depth);
            }
            // Unbalanced closers are the parser's to report; they must not hide depth.
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            b'#' => i = skip_comment(bytes, i),
            b'"' if bytes[i..].starts_with(b"\"\"\"") => i = skip_block_string(bytes, i),
            b'"' => i = skip_string(bytes, i),
            _ => {}
        }
        i += 1;
    }
    Ok(deepest)
}

/// From the `#` at `start` to the last byte before the line ends.
fn skip_comment(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(bytes.len(), |end| start + end - 1)
}

/// From the opening `"` at `start` to the closing one (or the end of the line or text, where
/// the parser will report an unterminated string). `\"` does not close it.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'"' | b'\n' | b'\r' => return i,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// From the opening `"""` at `start` to the last byte of the closing one. `\"""` does not
/// close it; nothing else is an escape in a block string.
fn skip_block_string(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 3;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"\\\"\"\"") {
            i += 4;
            continue;
        }
        if bytes[i..].starts_with(b"\"\"\"") {
            return i + 2;
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_selections_lists_objects_and_arguments() {
        assert_eq!(check("{ viewer { id } }", 64), Ok(2));
        assert_eq!(check("{ a(x: [[1]]) { b } }", 64), Ok(4));
        assert_eq!(check("{ a(x: {y: {z: 1}}) }", 64), Ok(4));
        assert_eq!(check("query($v: [[Int!]!]) { a }", 64), Ok(3));
        assert_eq!(check("", 64), Ok(0));
    }

    #[test]
    fn refuses_past_the_limit_in_every_form() {
        let lists = format!("{{ a(x: {}1{}) }}", "[".repeat(64), "]".repeat(64));
        assert_eq!(check(&lists, 64), Err(64));
        let objects = format!("{{ a(x: {}1{}) }}", "{y: ".repeat(70), "}".repeat(70));
        assert_eq!(check(&objects, 64), Err(64));
        let mixed = format!("{{ a(x: {}1) }}", "[{y: ".repeat(40));
        assert_eq!(check(&mixed, 64), Err(64));
        let types = format!("query($v: {}Int) {{ a }}", "[".repeat(80));
        assert_eq!(check(&types, 64), Err(64));
        let million = "[".repeat(1_000_000);
        assert_eq!(check(&million, 64), Err(64));
        // Exactly at the limit passes.
        let at_limit = format!("{{ a(x: {}1{}) }}", "[".repeat(62), "]".repeat(62));
        assert_eq!(check(&at_limit, 64), Ok(64));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let brackets = "[".repeat(10_000);
        let in_string = format!("{{ a(x: \"{brackets}\") }}");
        assert_eq!(check(&in_string, 64), Ok(2));
        let escaped = format!("{{ a(x: \"\\\"{brackets}\\\\\") }}");
        assert_eq!(check(&escaped, 64), Ok(2));
        let in_block = format!("{{ a(x: \"\"\"\\\"\"\" {brackets} \"\" \"\"\") }}");
        assert_eq!(check(&in_block, 64), Ok(2));
        let in_comment = format!("{{ a # {brackets}\n b }}");
        assert_eq!(check(&in_comment, 64), Ok(1));
        let in_crlf_comment = format!("{{ a # {brackets}\r\n b }}");
        assert_eq!(check(&in_crlf_comment, 64), Ok(1));
    }

    #[test]
    fn a_string_cannot_hide_brackets_after_it() {
        // An unterminated string ends at the line's end, as the lexer ends it.
        let deep = format!("{{ a(x: \"open\n{}) }}", "[".repeat(100));
        assert_eq!(check(&deep, 64), Err(64));
        // An empty string and an empty block string close at once.
        let after_empty = format!("{{ a(x: \"\", y: \"\"\"\"\"\", z: {}) }}", "[".repeat(100));
        assert_eq!(check(&after_empty, 64), Err(64));
    }

    #[test]
    fn unbalanced_closers_do_not_hide_depth() {
        let deep = format!("}}}}}}{}", "[".repeat(100));
        assert_eq!(check(&deep, 64), Err(64));
    }
}

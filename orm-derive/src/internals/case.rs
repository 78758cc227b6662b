//! Rails-style naming: snake_case, CamelCase and English plurals.

/// `BlogPost` -> `blog_post`, `HTTPRequest` -> `http_request`.
pub fn snake_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                Some('_') => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                _ => false,
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `blog_posts` -> `BlogPosts`.
pub fn camel_case(s: &str) -> String {
    s.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// `email` -> `EMAIL`, `createdAt` -> `CREATED_AT`.
pub fn upper_snake(s: &str) -> String {
    snake_case(s).to_uppercase()
}

const IRREGULAR: &[(&str, &str)] = &[
    ("person", "people"),
    ("child", "children"),
    ("man", "men"),
    ("woman", "women"),
    ("mouse", "mice"),
    ("goose", "geese"),
    ("tooth", "teeth"),
    ("foot", "feet"),
    ("ox", "oxen"),
    ("criterion", "criteria"),
    ("datum", "data"),
    ("medium", "media"),
    ("index", "indices"),
    ("matrix", "matrices"),
    ("vertex", "vertices"),
    ("leaf", "leaves"),
    ("life", "lives"),
    ("wife", "wives"),
    ("knife", "knives"),
    ("half", "halves"),
    ("wolf", "wolves"),
    ("shelf", "shelves"),
    ("thief", "thieves"),
    ("hero", "heroes"),
    ("potato", "potatoes"),
    ("tomato", "tomatoes"),
    ("echo", "echoes"),
    ("quiz", "quizzes"),
    ("cactus", "cacti"),
    ("octopus", "octopuses"),
];

const UNCOUNTABLE: &[&str] = &[
    "equipment",
    "information",
    "rice",
    "money",
    "species",
    "series",
    "fish",
    "sheep",
    "deer",
    "news",
    "metadata",
    "data",
    "people",
    "children",
];

fn pluralize_word(w: &str) -> String {
    if UNCOUNTABLE.contains(&w) {
        return w.to_owned();
    }
    if let Some((_, p)) = IRREGULAR.iter().find(|(s, _)| *s == w) {
        return (*p).to_owned();
    }
    let vowel = |c: char| "aeiou".contains(c);
    if let Some(stem) = w.strip_suffix("sis") {
        return format!("{stem}ses");
    }
    if w.ends_with('s')
        || w.ends_with('x')
        || w.ends_with('z')
        || w.ends_with("ch")
        || w.ends_with("sh")
    {
        return format!("{w}es");
    }
    if let Some(stem) = w.strip_suffix('y') {
        if stem.chars().last().is_some_and(|c| !vowel(c)) {
            return format!("{stem}ies");
        }
    }
    format!("{w}s")
}

/// Plural of a snake_case name: only the last word changes
/// (`blog_post` -> `blog_posts`, `person` -> `people`).
pub fn pluralize(snake: &str) -> String {
    match snake.rsplit_once('_') {
        Some((head, last)) => format!("{head}_{}", pluralize_word(last)),
        None => pluralize_word(snake),
    }
}

/// The table of a struct: `BlogPost` -> `blog_posts`.
pub fn table_name(struct_name: &str) -> String {
    pluralize(&snake_case(struct_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        for (s, t) in [
            ("Post", "posts"),
            ("BlogPost", "blog_posts"),
            ("Category", "categories"),
            ("Box", "boxes"),
            ("Status", "statuses"),
            ("Person", "people"),
            ("Child", "children"),
            ("Day", "days"),
            ("Match", "matches"),
            ("Analysis", "analyses"),
            ("Account", "accounts"),
            ("User", "users"),
            ("HTTPRequest", "http_requests"),
            ("Address", "addresses"),
            ("Sheep", "sheep"),
            ("Leaf", "leaves"),
            ("Photo", "photos"),
            ("Key", "keys"),
            ("OrderProduct", "order_products"),
        ] {
            assert_eq!(table_name(s), t, "{s}");
        }
    }

    #[test]
    fn cases() {
        assert_eq!(camel_case("blog_posts"), "BlogPosts");
        assert_eq!(camel_case("people"), "People");
        assert_eq!(upper_snake("created_at"), "CREATED_AT");
        assert_eq!(snake_case("UserID"), "user_id");
    }
}

"""worker.extract keeps article text that merely looks like chrome: a sentence that opens with
the words of an embed's signature, a byline prefix or a "read also" label is the article's."""

from __future__ import annotations

from worker.extract import extract_article
from worker.extract.rules import BYLINE_PREFIX
from worker.extract.text import clean_text

_FILL = (
    "The city council voted on Tuesday to approve a new budget that raises spending on public "
    "transit by twelve percent, officials said after the late-night session.",
    "Opponents argued that the plan would raise property taxes for thousands of homeowners, "
    "while supporters said the investment was overdue and would pay for itself.",
    "The mayor is expected to sign the measure next week, according to a spokeswoman, who added "
    "that the first new bus routes could open as early as the spring.",
)
_URL = "https://news.example.com/2018/05/03/story.html"


def _page(inner: str, lang: str = "en", pre: str = "") -> str:
    """An ordinary article page with ``inner`` set after its first paragraph."""
    first, *rest = (f"<p>{text}</p>" for text in _FILL)
    return (
        f'<html lang="{lang}"><head><title>Council approves transit budget</title></head><body>'
        '<nav><a href="/">Home</a></nav><article><h1>Council approves transit budget</h1>'
        f'{pre}<div class="article-body">{first}{inner}{"".join(rest)}</div></article>'
        "<footer>Footer</footer></body></html>"
    )


def _paragraphs(inner: str, lang: str = "en", pre: str = "") -> tuple[str, ...]:
    return tuple(extract_article(_page(inner, lang, pre), _URL).paragraphs)


def test_a_sentence_about_a_shared_video_is_text_and_an_embed_signature_is_not() -> None:
    sentence = "A video shared by the police on Twitter shows the suspect running from the store."
    assert sentence in _paragraphs(f"<p>{sentence}</p>")
    signature = "A post shared by Sandhaven Pier (@sandhavenpier) on Apr 7, 2018 at 2:14am PDT"
    assert not any("shared by" in p for p in _paragraphs(f"<p>{signature}</p>"))


def test_an_italian_line_opening_with_a_di_surname_is_text_and_a_di_byline_is_not() -> None:
    heading = "Di Maio, «il governo non cade»"
    line = "Di Battista, Fico e Di Maio in piazza a Roma"
    paragraphs = _paragraphs(f"<h2>{heading}</h2><p>{line}</p><p>di Marco Rossi</p>", lang="it")
    assert heading in paragraphs
    assert line in paragraphs
    assert "di Marco Rossi" not in paragraphs
    assert "Di Maria, PSG's quiet hero" in _paragraphs("<h2>Di Maria, PSG's quiet hero</h2>")


def test_a_byline_prefix_strips_a_lower_case_di_but_not_a_di_surname() -> None:
    assert BYLINE_PREFIX.sub("", "di Marco Rossi") == "Marco Rossi"
    assert BYLINE_PREFIX.sub("", "Di Stefano") == "Di Stefano"
    assert BYLINE_PREFIX.sub("", "BY JANE DOE") == "JANE DOE"


def test_a_sentence_opening_with_read_also_words_is_text_and_the_label_is_not() -> None:
    cases = (
        ("es", "Lea también el informe completo de la Contraloría, publicado el lunes en su web."),
        ("nl", "Zie ook de kaart hieronder met alle nieuwe buslijnen in de regio."),
        ("de", "Siehe auch die Stellungnahme des Ministeriums vom Montag."),
    )
    for lang, sentence in cases:
        assert sentence in _paragraphs(f"<p>{sentence}</p>", lang=lang)
    label = '<p>Baca juga: <a href="/x">Terminal Bus Baru Dibuka Bulan Depan</a></p>'
    assert not any("Baca juga" in p for p in _paragraphs(label, lang="id"))


def test_a_sentence_opening_with_written_by_is_text_and_a_written_by_line_is_not() -> None:
    sentence = "Escrito por Mario Vargas Llosa en 1963, el libro fue un éxito."
    paragraphs = _paragraphs(f"<p>{sentence}</p><p>Escrito por María de la Fuente</p>", "es")
    assert sentence in paragraphs
    assert "Escrito por María de la Fuente" not in paragraphs


def test_a_pull_quote_printed_nowhere_else_is_text_and_its_copy_is_not() -> None:
    sole = '"This is the biggest investment in transit this city has made in forty years."'
    paragraphs = _paragraphs(f'<blockquote class="pullquote"><p>{sole}</p></blockquote>')
    assert sole in paragraphs
    said = "We are not going to let the buses stop running, not on my watch."
    figure = f'<figure class="wp-block-pullquote"><blockquote><p>{said}</p></blockquote></figure>'
    assert said in _paragraphs(figure)
    copy = "Opponents argued that the plan would raise property taxes"
    block = f'<figure class="wp-block-pullquote"><blockquote><p>{copy}</p></blockquote></figure>'
    assert copy not in _paragraphs(block)


def _lead_page(pre: str, meta: str = "") -> str:
    """The body in ``div.article-body`` with ``pre`` set just before it, in one wrapper."""
    body = "".join(f"<p>{text}</p>" for text in _FILL)
    return (
        f'<html lang="en"><head><title>T</title>{meta}</head><body><article>'
        f'<h1>Council approves transit budget</h1><div class="wrap">{pre}'
        f'<div class="article-body">{body}</div></div></article></body></html>'
    )


def test_a_lead_photo_or_a_standfirst_in_div_lead_is_not_the_first_paragraph() -> None:
    photo = (
        '<div class="lead"><figure><img src="/bus.jpg" alt="">'
        "<figcaption>A new electric bus at the depot on Monday, before the vote.</figcaption>"
        "</figure><p>A new electric bus at the depot on Monday, before the vote.</p></div>"
    )
    assert extract_article(_lead_page(photo), _URL).paragraphs[0] == _FILL[0]
    standfirst = "The vote ends a two-year fight over how the city pays for its buses and trains."
    meta = f'<meta property="og:description" content="{standfirst}">'
    page = _lead_page(f'<div class="lead"><p>{standfirst}</p></div>', meta)
    article = extract_article(page, _URL)
    assert article.paragraphs[0] == _FILL[0]
    assert article.subheadline == standfirst
    named = _lead_page(f'<div class="article-lead"><p>{standfirst}</p></div>', meta)
    assert extract_article(named, _URL).subheadline == standfirst  # the description's copy


def test_a_lead_paragraph_in_a_named_lead_container_opens_the_body() -> None:
    lead = "Buses will run every ten minutes on the busiest routes from next spring on."
    page = _lead_page(f'<div class="article-lead"><p>{lead}</p></div>')
    assert extract_article(page, _URL).paragraphs[0] == lead


def test_a_bare_label_as_a_sub_heading_over_prose_is_kept_and_alone_is_not() -> None:
    paragraphs = _paragraphs("<h3>Details</h3>")
    assert "Details" in paragraphs
    short = "<h2>Print</h2><p>Print advertising fell 18 percent, the company said.</p>"
    assert "Print" in _paragraphs(short)
    assert "Video" not in _paragraphs("<p>Video</p>")


def test_datelines_in_swedish_and_turkish_and_zero_width_paragraphs_leave_the_body() -> None:
    datelines = "<p>12 maj 2018</p><p>3 Ekim 2018 14:05</p>"
    assert _paragraphs(f"{datelines}<p>&#8203;</p><p>\ufeff</p>") == _FILL


def test_clean_text_drops_only_words_of_zero_width_characters() -> None:
    assert clean_text(" \u200b ") == ""
    assert clean_text("Zero\u200bwidth inside \ufeff a line") == "Zero\u200bwidth inside a line"


def test_a_class_merely_holding_content_words_is_text_and_robots_nocontent_is_not() -> None:
    sentence = "The slideshow of the museum's 1960s photographs needs no ticket and runs to June."
    for classes in ("post-nocontent-inner", "content no-ads", "entry-content-note"):
        assert sentence in _paragraphs(f'<div class="{classes}"><p>{sentence}</p></div>')
    appeal = "Stories like this one reach you free because readers chip in what they can."
    assert appeal not in _paragraphs(f'<p class="robots-nocontent">{appeal}</p>')
    assert appeal not in _paragraphs(f'<div class="robots-nocontent"><p>{appeal}</p></div>')


def test_an_article_body_in_a_no_content_state_class_keeps_its_paragraphs() -> None:
    """Apps name an empty state ``noContent``; on the body's own wrapper it must not read as
    hidden, which would send every paragraph to the fields and leave the body empty."""
    body = "".join(
        f"<p>Paragraph {i} of the report says the council met on Tuesday and voted again.</p>"
        for i in range(6)
    )
    wrapper = f'<div class="entry-content noContent">{body}</div>'
    page = f"<article><h1>Council votes</h1>{wrapper}</article>"
    assert len(extract_article(page, _URL).paragraphs) == 6


def test_a_hidden_class_on_the_only_article_sized_block_hides_nothing() -> None:
    """Jetpack's ``robots-nocontent`` (or any hidden class) on the body's wrapper, the article
    or a wrapper above it: with no shown copy of the text elsewhere, it is the article, and
    a short visible widget beside it does not win; a hidden copy beside a shown body still
    counts once."""
    body = "".join(f"<p>{text}</p>" for text in _FILL)
    widget = (
        '<div class="widget"><h3>About us</h3><p>The Gazette is an independent paper that has '
        "covered the town and its valley since 1882, owned by its readers and its staff.</p></div>"
    )
    for article in (
        f'<article><h1>Budget</h1><div class="entry-content robots-nocontent">{body}</div>',
        f'<article class="post hide"><h1>Budget</h1><div class="entry-content">{body}</div>',
        f'<div class="robots-nocontent"><article><h1>Budget</h1><div>{body}</div></article>',
    ):
        for page in (article, article + widget):
            assert extract_article(page, _URL).paragraphs == _FILL
    copy = f'<article><h1>Budget</h1><div class="entry-content">{body}</div>'
    copy += f'<div class="hide">{body}</div></article>{widget}'
    assert extract_article(copy, _URL).paragraphs == _FILL


def test_a_paragraph_about_the_author_is_text_and_her_author_box_biography_is_not() -> None:
    sentence = "Whitfield, who covered the county board for eight years, asked the first question."
    assert sentence in _paragraphs(f"<p>{sentence}</p>")
    box = f'<div class="saboxplugin-wrap" itemprop="author"><p>{sentence}</p></div>'
    assert sentence not in _paragraphs(box)


def test_sentences_that_open_like_wordpress_furniture_are_text() -> None:
    sentences = (
        "1 of 5 adults in the county has no access to a doctor within ten miles, the study found.",
        "Posted in Berlin since 2016, the diplomat was tagged as a rising star by her colleagues.",
        "Your email address will not be published, the council promised petition signers.",
        "You must be logged in to the county portal to pay the fee, officials said Tuesday.",
        "This slideshow of 1960s photographs requires a ticket, the museum said on Monday.",
        "Embed from the start: reporters joined the unit before it left for the border.",
    )
    paragraphs = _paragraphs("".join(f"<p>{sentence}</p>" for sentence in sentences))
    for sentence in sentences:
        assert sentence in paragraphs
    assert "1 of 6" not in _paragraphs("<p>1 of 6</p>")
    assert "5/5" in _paragraphs("<p>5/5</p>")  # a product rating, not a slide counter


def test_an_author_person_with_a_description_is_a_biography_whatever_its_class() -> None:
    bio = (
        "Dana Whitfield has covered county government, the courts and the school board since "
        "2011, after eight years as a reporter and night editor at daily papers in Iowa.",
        "She grew up on a dairy farm north of the city, studied journalism at the state "
        "university and still keeps a vegetable garden large enough to feed the newsroom.",
        "Tips about roads, taxes and local elections are always welcome; she reads every letter "
        "that readers send to the newsroom on Main Street, and answers most of them by hand.",
    )
    box = (
        '<div class="writer-card" itemprop="author" itemscope itemtype="http://schema.org/Person">'
        '<span itemprop="name">Dana Whitfield</span><div itemprop="description">'
        + "".join(f"<p>{text}</p>" for text in bio)
        + "</div></div>"
    )
    page = _page("").replace("</div></article>", f"</div>{box}</article>")
    paragraphs = extract_article(page, _URL).paragraphs
    assert tuple(paragraphs) == _FILL
    for text in bio:
        assert text not in paragraphs


def test_a_sentence_opening_with_published_or_posted_is_text_and_a_date_stamp_is_not() -> None:
    sentences = (
        "Posted in Kabul since 2019, the reporter saw it all.",
        "Published in 1998, the novel was an instant hit.",
        "Updated guidance issued in 2020 tells schools to reopen.",
    )
    stamps = ("Updated March 5, 2018 at 10:05 a.m. ET", "Posted on: 05/03/2018")
    paragraphs = _paragraphs("".join(f"<p>{line}</p>" for line in (*sentences, *stamps)))
    assert all(sentence in paragraphs for sentence in sentences)
    assert not any(stamp in paragraphs for stamp in stamps)


def test_a_sub_heading_whose_anchor_id_holds_a_hint_word_is_kept() -> None:
    """A CMS or table-of-contents plugin makes a heading's id from its text: the words
    "support", "related" or "comments" there say nothing about the heading."""
    for ident, heading in (
        ("1-clinical-decision-support", "1. Clinical Decision Support"),
        ("h-related-work", "Related work on the ferry"),
        ("readers-comments-in-1998", "What readers wrote in 1998"),
    ):
        assert heading in _paragraphs(f'<h2 id="{ident}">{heading}</h2>')


def test_arabic_sentences_that_open_like_chrome_are_text() -> None:
    """Sentences opening with the words of a share call ("شارك": took part) or a source line
    are the article's; the bare labels are not."""
    took_part = "شارك آلاف المواطنين في المسيرة التي انطلقت من وسط المدينة صباح الجمعة."
    source = "المصدر الذي تحدث إلى الصحيفة قال إن الاجتماع سيعقد الأسبوع المقبل."
    paragraphs = _paragraphs(f"<p>{took_part}</p><p>{source}</p><p>شارك هذا الخبر</p>", "ar")
    assert took_part in paragraphs and source in paragraphs
    assert "شارك هذا الخبر" not in paragraphs


def test_a_by_line_sentence_with_a_date_is_text_and_a_byline_with_a_date_is_not() -> None:
    sentence = (
        "Von Hamburg aus fuhr der Zug am 18.10.2018 um 14:22 Uhr los, mit zwei Stunden Verspätung."
    )
    assert sentence in _paragraphs(f"<p>{sentence}</p>", "de")
    assert "Von Markus Brandt | 18.10.2018, 14:22 Uhr" not in _paragraphs(
        "<p>Von Markus Brandt | 18.10.2018, 14:22 Uhr</p>", "de"
    )


def test_read_also_labels_in_more_languages_leave_the_body_and_sentences_stay() -> None:
    """ "Related" and "read also" labels in Polish, Czech, Vietnamese, French, Spanish, Italian,
    Ukrainian and Chinese, a share button, a pager and an ad's "continue reading" set as
    paragraphs are chrome; sentences that open with the same words are text."""
    labels = (
        "Zobacz także: Rada miasta przyjęła budżet",
        "Související články",
        "Xem thêm: Hội đồng thành phố thông qua ngân sách",
        "Sur le même sujet",
        "Noticias relacionadas",
        "Notizie correlate",
        "İlgili Haberler",
        "Читайте також: Рада ухвалила бюджет",
        "延伸阅读：市议会通过预算",
        "Share on Facebook",
        "Previous",
        "Advertisement - Continue Reading Below",
    )
    sentences = (
        "Sur le même sujet, le ministre a déclaré lundi qu'aucune décision ne serait prise.",
        "Zobacz także, jak radni głosowali w sprawie budżetu w poprzednich latach.",
        "Next year the council will vote again on the same budget, officials said on Monday.",
    )
    paragraphs = _paragraphs("".join(f"<p>{text}</p>" for text in (*labels, *sentences)))
    assert not set(labels) & set(paragraphs)
    assert set(sentences) <= set(paragraphs)


def test_sentences_that_open_like_plugin_labels_are_text() -> None:
    """Only a whole line is a plugin's label ("Reply", "Full story", "No votes so far! ..."):
    sentences opening with the same words stay."""
    sentences = (
        "Reply to the letter came two weeks later, the clerk said.",
        "Full story: the council met at nine and voted at ten, officials said.",
        "No votes were cast against the plan on Tuesday night.",
        "How useful was the old timetable? Not very, commuters said.",
        "Spread the cost over ten years, the treasurer proposed.",
        "Sharing is caring, the campaign's posters say, and the city agrees.",
        "More stories like this one will follow as the budget is debated.",
    )
    labels = (
        "Spread the love",
        "How useful was this post?",
        "Reply",
        "Print Friendly, PDF & Email",
    )
    paragraphs = _paragraphs("".join(f"<p>{text}</p>" for text in (*sentences, *labels)))
    assert set(sentences) <= set(paragraphs)
    assert not set(labels) & set(paragraphs)


def test_a_longer_comment_thread_named_in_other_languages_is_not_the_article() -> None:
    """Comment sections named in Finnish, Romanian, Czech and Hungarian beside a short
    article inside the same page: the article is the body, the thread is in no paragraph."""
    comment = (
        "I have lived in this town for forty years and I have never seen the buses run on time, "
        "so I doubt that twelve percent more money will change anything at all, said a reader."
    )
    thread = "".join(f'<div class="item"><b>Reader {i}</b><p>{comment}</p></div>' for i in range(4))
    body = "".join(f"<p>{text}</p>" for text in _FILL)
    for name in ("kommentit", "comentarii", "diskuse-list", "hozzaszolasok"):
        page = (
            f'<article><h1>Budget</h1><div class="text">{body}</div>'
            f'<div class="{name}">{thread}</div></article>'
        )
        assert extract_article(page, _URL).paragraphs == _FILL


def test_widget_titles_in_other_languages_leave_the_body_and_sentences_stay() -> None:
    """A most-read, latest-news, newsletter or reader-appeal widget's title is left behind
    when its links are dropped: alone on a line it is chrome; a sentence opening alike is text."""
    titles = (
        "Meistgelesen",
        "Lo más leído",
        "Les plus lus",
        "Mais lidas da semana",
        "Najczęściej czytane",
        "Últimas noticias",
        "Newsletter",
        "Abonnieren Sie unseren Newsletter",
        "Soutenez notre rédaction",
        "Популярное",
    )
    sentences = (
        "Les plus lus des journaux locaux ont tous publié la même photo lundi matin.",
        "Die meistgelesenen Zeitungen der Region berichteten am Montag über den Haushalt.",
        "Aktuelle Nachrichten aus dem Rathaus erreichten die Bürger erst am Abend.",
    )
    paragraphs = _paragraphs("".join(f"<p>{text}</p>" for text in (*titles, *sentences)))
    assert not set(titles) & set(paragraphs)
    assert set(sentences) <= set(paragraphs)


_COMMENT = (
    "I have lived in this town for forty years and I have never seen the buses run on time, so "
    "I doubt that twelve percent more money will change anything at all, whatever they say."
)


def _beside(article: str, other: str, inside: bool) -> str:
    """A short article and ``other`` inside the same ``<article>``, or after it."""
    if inside:
        return f"<body><article><header><h1>Budget</h1></header>{article}{other}</article></body>"
    return f"<body><article><h1>Budget</h1>{article}</article>{other}</body>"


_COMMENTERS = ("Maria K.", "Tom Brennan", "jdoe42", "Anke van der Berg")


def test_a_longer_thread_of_signed_items_whose_classes_name_nothing_is_not_the_article() -> None:
    """Comments as items of one kind, each with its author's name, in containers named
    ``thread`` or ``feedback``: the text beside the headline is the body."""
    body = f'<div class="text">{"".join(f"<p>{text}</p>" for text in _FILL)}</div>'
    thread = "".join(
        f'<div class="item"><b>{name}</b><p>{_COMMENT}</p></div>' for name in _COMMENTERS
    )
    for inside in (True, False):
        for other in (f'<div class="thread">{thread}</div>', f"<section>{thread}</section>"):
            page = _beside(body, other, inside)
            assert extract_article(page, _URL).paragraphs == _FILL
            bare_headline = page.replace("<header><h1>Budget</h1></header>", "<h1>Budget</h1>")
            assert extract_article(bare_headline, _URL).paragraphs == _FILL


def test_a_timed_thread_is_told_by_its_reply_controls_or_says_lines() -> None:
    """Comments with a time each are told by what only comments carry: a reply or like
    control, a "Jane says:" line, a comment class word inside the item, or (with no time) an
    avatar or a link to the commenter's profile."""
    body = f'<div class="text">{"".join(f"<p>{text}</p>" for text in _FILL)}</div>'
    stamp = '<time datetime="2018-05-03T21:40:00Z">May 3, 2018 at 9:40 pm</time>'
    forms = (
        f"<span>{{name}}</span>{stamp}<p>{_COMMENT}</p><a href='#r'>Reply</a>",
        f"<span>{{name}} says:</span>{stamp}<p>{_COMMENT}</p>",
        f"<span class='comment-author'>{{name}}</span>{stamp}<p>{_COMMENT}</p>",
        f"<a href='/users/{{name}}'>{{name}}</a><p>{_COMMENT}</p>",
        f"<img class='avatar' src='/a.png' alt=''><i>{{name}}, Leeds</i><p>{_COMMENT}</p>",
    )
    for form in forms:
        thread = "".join(f"<div class='c'>{form.format(name=n)}</div>" for n in _COMMENTERS)
        page = _beside(body, f"<div>{thread}</div>", True)
        assert extract_article(page, _URL).paragraphs == _FILL, form


_UPDATES = (
    "Firefighters say they were called out more than eighty times since six o'clock, mostly "
    "to fallen trees and flooded cellars in the older districts near the harbour.",
    "The rail operator says every long-distance train north of the capital is cancelled until "
    "at least noon on Monday, and replacement buses will not run tonight.",
    "A lorry has overturned on the coastal motorway near the bridge; the road is closed in both "
    "directions and drivers are asked to stay away from the area.",
    "Power is out in about twelve thousand homes in the eastern districts, the grid operator "
    "says, and its crews will not go out before the wind drops.",
)


def _items_kept(items: str, url: str = _URL) -> None:
    """The items beside a headline and its intro (in the headline's ``<header>`` or after
    it) are read with the intro."""
    intro = "".join(f"<p>{text}</p>" for text in _FILL)
    for page in (
        f"<body><main><div><header><h1>Storm</h1>{intro}</header>"
        f"<div class='stream'>{items}</div></div></main></body>",
        _beside(f"<div class='text'>{intro}</div>", f"<div>{items}</div>", True),
    ):
        paragraphs = extract_article(page, url).paragraphs
        assert set(_FILL) | set(_UPDATES) <= set(paragraphs), items


def test_live_blog_updates_timed_beside_the_headline_are_kept() -> None:
    """A live blog's updates, each under its time (in a ``<time>`` or not, with the reporter's
    name, avatar and profile link, or under a numbered label or a title) beside the headline and
    the intro, are the article: a time or a reporter never makes an update a reader's comment."""
    times = ("21:40", "21:15", "20:50", "20:30")
    reporter = "<a href='/profile/jane-reporter'><img class='avatar' src='/j.png'>Jane Reporter</a>"
    forms = (
        "<div class='update'><time>{time}</time><p>{text}</p></div>",
        "<div class='update'><time datetime='2018-02-09T{time}'>{time}</time><p>{text}</p></div>",
        "<div class='update'><span>{time}</span><p>{text}</p></div>",
        "<div class='update'><span>Updated {time} GMT</span><p>{text}</p></div>",
        "<div class='update'><time>{time}</time><span>Jane Reporter</span><p>{text}</p></div>",
        "<div class='update'><time>{time}</time>" + reporter + "<p>{text}</p></div>",
        "<div class='update'><b>By Jane Reporter</b><p>{text}</p></div>",
        "<div class='update'><b>Update {n}</b><p>{text}</p></div>",
        "<div class='update'><strong>Latest from the coast</strong><p>{text}</p></div>",
    )
    for form in forms:
        _items_kept(
            "".join(
                form.format(time=time, text=text, n=n)
                for n, (time, text) in enumerate(zip(times, _UPDATES, strict=True), 1)
            )
        )


def test_a_live_blog_of_timed_updates_beside_its_headline_keeps_its_entries() -> None:
    """The live blog's entries are read from the updates kept beside the headline."""
    items = "".join(
        f"<article id='e{n}'><time datetime='2018-02-09T21:{n}0:00Z'>21:{n}0</time>"
        f"<p>{text}</p></article>"
        for n, text in enumerate(_UPDATES)
    )
    intro = "".join(f"<p>{text}</p>" for text in _FILL)
    page = (
        f"<body><main><div><header><h1>Storm live</h1>{intro}</header>"
        f"<div class='stream'>{items}</div></div></main></body>"
    )
    article = extract_article(page, "https://news.example.com/2018/feb/09/live-storm")
    assert [entry.text for entry in article.entries] == list(_UPDATES)


def test_a_q_and_a_or_a_timeline_beside_the_headline_is_kept() -> None:
    """A Q&A's answers under their questions and a timeline's events under their dates (a
    year, a month, a day and month) beside the headline are the article, not a thread."""
    questions = ("Who is affected?", "What happens now?", "Why so late?", "Q:")
    dates = ("1998", "March 2016", "January", "12 June")
    for labels in (questions, dates):
        for tag in ("b", "dt", "span"):
            _items_kept(
                "".join(
                    f"<div class='entry'><{tag}>{label}</{tag}><p>{text}</p></div>"
                    for label, text in zip(labels, _UPDATES, strict=True)
                )
            )


def test_a_listicle_or_a_body_of_unsigned_items_beside_the_lead_is_kept() -> None:
    """Items with their own section heading (a listicle) or with nothing but paragraphs (a
    CMS's body items) after the lead in the article are the article, not a thread."""
    lead = f'<div class="lead-text">{"".join(f"<p>{text}</p>" for text in _FILL[:2])}</div>'
    texts = [f"{_COMMENT[:-1]}, item {i}." for i in range(4)]
    listicle = "".join(
        f'<div class="item"><b>No. {i}</b><h3>Route {i}</h3><p>{text}</p></div>'
        for i, text in enumerate(texts)
    )
    unsigned = "".join(f'<div class="item"><p>{text}</p></div>' for text in texts)
    for items in (listicle, unsigned):
        page = _beside(lead, f'<div class="items">{items}</div>', True)
        assert set(texts) <= set(extract_article(page, _URL).paragraphs)


def test_a_marquee_ticker_inside_the_body_is_in_no_paragraph() -> None:
    """The scrolling ``<marquee>`` of breaking news set in the body, as bare text or around a
    paragraph: the ticker is chrome, whatever its classes say."""
    ticker = "Prime minister to address the nation tonight at nine, markets close higher again."
    for inner in (f"<marquee>{ticker}</marquee>", f"<div><marquee><p>{ticker}</p></marquee></div>"):
        assert _paragraphs(inner) == _FILL


def test_joomla_k2_labels_leave_the_body_and_sentences_opening_alike_stay() -> None:
    """K2's toolbar, rating, tag, related and sharing labels set as paragraphs are chrome;
    sentences that open with "Bookmark", "Powered by" or "Related items" are text."""
    labels = (
        "font size decrease font size increase font size",
        "Rate this item 1 2 3 4 5 (0 votes)",
        "Tagged under Politics Budget",
        "Related items",
        "Read 1234 times",
        "Submit to Facebook",
        "Powered by Joomla",
    )
    sentences = (
        "Bookmark this date: the vote will take place on June 12, the clerk said.",
        "Powered by solar panels, the new buses will run silently through the centre.",
        "Related items on the agenda were postponed until July by the committee.",
    )
    paragraphs = _paragraphs("".join(f"<p>{text}</p>" for text in (*labels, *sentences)))
    assert not set(labels) & set(paragraphs)
    assert set(sentences) <= set(paragraphs)


def test_a_sentence_opening_add_a_comment_is_text_and_the_comment_prompt_is_not() -> None:
    sentence = (
        "Add a comment to the survey before Friday, the council said, and it will be read "
        "out at the next public meeting."
    )
    assert sentence in _paragraphs(f"<p>{sentence}</p>")
    prompt = "Leave a Reply Cancel reply"
    assert prompt not in _paragraphs(f"<p>{prompt}</p>")


def test_words_of_an_inline_element_laid_out_as_a_line_stay_apart() -> None:
    """A ``<span style="display:block">`` (or flex) is a line of its own: its words are not glued
    to the text around it, CJK or Latin; an inline-block and a plain inline span stay in line."""
    inner = (
        '<p>北京市的新闻<span style="display:block">Beijing city news</span>上海的消息</p>'
        '<p>Gamma line one<span style="display: flex">Delta line two</span></p>'
        '<p>東京の天気<span style="display:inline-block">晴れ</span>です</p>'
    )
    paragraphs = _paragraphs(inner)
    assert "北京市的新闻 Beijing city news 上海的消息" in paragraphs
    assert "Gamma line one Delta line two" in paragraphs
    assert "東京の天気晴れです" in paragraphs


def test_code_lines_set_as_flex_spans_keep_their_blank_lines() -> None:
    """A highlighter's ``<pre>`` of ``<span style="display:flex">`` lines, each ending with its
    newline: the blank line between two commands still parts them."""
    lines = ("# make a repository", "git init demo", "", "# or in this directory", "git init")
    spans = "".join(f'<span style="display:flex"><span>{line}\n</span></span>' for line in lines)
    paragraphs = _paragraphs(f"<pre><code>{spans}</code></pre>")
    assert "# make a repository git init demo" in paragraphs
    assert "# or in this directory git init" in paragraphs


def test_a_sentence_opening_like_a_byline_is_text_and_a_byline_line_is_a_field() -> None:
    """Sentences opening "By Tuesday ..." and "Von Montag an ..." are the article's; a meta line "By
    Jane Doe | May 3, 2018" above it is the byline field, without its date, and not in the body."""
    sentences = (
        "By Tuesday the river had risen two metres, and the council closed the lower road.",
        "Von Montag an gilt auf der Brücke ein Tempolimit von dreißig Stundenkilometern.",
    )
    inner = "".join(f"<p>{text}</p>" for text in sentences)
    pre = '<p class="article-meta">By Jane Doe | May 3, 2018</p>'
    article = extract_article(_page(inner, pre=pre), _URL)
    assert all(text in article.paragraphs for text in sentences)
    assert article.byline == "Jane Doe"
    assert article.published == "May 3, 2018"  # the page gives no other date
    assert not any("Jane Doe" in text for text in article.paragraphs)


def test_a_byline_prefix_in_more_languages_and_a_bare_label_leave_the_name() -> None:
    from worker.extract.headline import byline_name

    assert byline_name("بقلم: سامر الخطيب") == "سامر الخطيب"
    assert byline_name("Автор: Иван Петров") == "Иван Петров"
    assert byline_name("By Dana Ortiz Published May 2, 2019 at 5:41 PM PDT") == "Dana Ortiz"
    assert byline_name("Posted by:") == byline_name("By") == ""
    assert byline_name("Sat, 20 Dec, 2025 - 06:36") == ""


def test_a_sentence_ending_with_an_agency_is_text_and_an_agency_credit_is_not() -> None:
    """A credit line is a newsroom's name or a label before the agency; a sentence that merely
    ends with an agency's name (a reporter spoke with it) is the article's."""
    credits = ("Le Monde avec AFP", "Text: with AFP", "Mit Material von dpa", "Redaktion mit dpa")
    sentences = (
        "We spoke with AP.",
        "Die Polizei sprach mit dpa.",
        "Los manifestantes hablaron con EFE.",
        "Die Ministerin sprach mit AFP.",
    )
    paragraphs = _paragraphs("".join(f"<p>{text}</p>" for text in (*credits, *sentences)))
    assert not set(credits) & set(paragraphs)
    assert set(sentences) <= set(paragraphs)


def test_sentences_opening_like_a_label_are_text_and_the_labels_are_not() -> None:
    """A label alone or followed by short tags or a source is chrome; the same words opening a
    clause, a sentence after a comma, are the article's."""
    labels = (
        "Tagged under Politics, Budget",
        "Tagged under: politics, Europe",
        "Image via Getty Images",
        "Apoya el periodismo local",
        "Spread the love",
    )
    sentences = (
        "Tagged under a new EU rule, the fish are tracked for years.",
        "Image via satellite showed the flood.",
        "Photo via drone shows the damage.",
        "Apoya el periodismo local, dijo el alcalde.",
        "Spread the love, the pastor told the congregation.",
    )
    paragraphs = _paragraphs("".join(f"<p>{text}</p>" for text in (*labels, *sentences)))
    assert not set(labels) & set(paragraphs)
    assert set(sentences) <= set(paragraphs)


def test_a_paragraph_hidden_only_on_wide_screens_is_text_and_a_hidden_one_is_not() -> None:
    """Tailwind's ``md:hidden`` hides a paragraph on wide screens only (phones show it), as
    ``hidden-xs`` hides one on phones only: it is text; a whole ``hidden`` class hides it."""
    shown = "Only phones show this paragraph of the story, which tells how the bridge vote went."
    hidden = "No reader sees this paragraph of the story, which a script was meant to reveal."
    paragraphs = _paragraphs(f'<p class="md:hidden">{shown}</p><p class="hidden">{hidden}</p>')
    assert shown in paragraphs
    assert hidden not in paragraphs


def test_widget_titles_after_any_listed_article_and_turkish_capitals_leave_the_body() -> None:
    """Every article the widget-title pattern allows opens a line the gate sends to it ("I più
    letti", "As mais lidas"), and a Turkish title in capitals is folded as the pattern folds it
    ("İLGİLİ HABERLER" is "ilgili haberler"); sentences opening with those words stay."""
    titles = ("I più letti", "As mais lidas", "İLGİLİ HABERLER", "İlgili haberler")
    sentences = (
        "I spoke with the mayor about the bridge before the vote on Tuesday evening.",
        "As the council met, protesters gathered outside the town hall in the rain.",
    )
    paragraphs = _paragraphs("".join(f"<p>{text}</p>" for text in (*titles, *sentences)))
    assert not set(titles) & set(paragraphs)
    assert set(sentences) <= set(paragraphs)

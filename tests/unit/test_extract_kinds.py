"""worker.extract on the hand-made pages of bench/data/handmade, one per kind of failure that
real pages showed: what each field holds, beyond the exact body the gate checks."""

from __future__ import annotations

import pytest

from bench.scoring import HANDMADE_DIR, Page, load_pages
from worker.extract import extract_article
from worker.models import Article


@pytest.fixture(scope="module")
def pages() -> dict[str, Page]:
    return {page.id: page for page in load_pages(HANDMADE_DIR)}


def _extract(pages: dict[str, Page], page_id: str) -> Article:
    page = pages[page_id]
    return extract_article(page.html, page.url)


def test_byline_and_timestamps_leave_the_body_and_the_lede_is_first(pages: dict[str, Page]) -> None:
    """A byline paragraph is the byline field; "Updated 5 minutes ago", "4 min read", the
    dateline and the share row are gone, so the lede is paragraph 1."""
    article = _extract(pages, "fields-in-body")
    assert article.byline == "Jane Reporter"
    assert article.paragraphs[0].startswith("The council approved protected cycle lanes")
    assert len(article.paragraphs) == 3


def test_gallery_captions_are_captions_and_its_chrome_is_nowhere(pages: dict[str, Page]) -> None:
    """Slide captions land in the captions field; counters, toggles and credits in no field."""
    article = _extract(pages, "gallery-and-widgets")
    assert "The bridge at Low Mill under water on Thursday morning." in article.captions
    every_field = " ".join((*article.paragraphs, *article.captions))
    for chrome in ("1 of 5", "Caption Close", "Photo: Sam Fielding", "Most read"):
        assert chrome not in every_field


def test_hidden_copies_of_the_article_count_once(pages: dict[str, Page]) -> None:
    """Copies in display:none, a hide class and a hidden microdata block are not read again."""
    article = _extract(pages, "hidden-copies")
    assert len(article.paragraphs) == len(set(article.paragraphs)) == 3


def test_json_ld_markup_becomes_text_not_tags(pages: dict[str, Page]) -> None:
    """HTML inside JSON-LD articleBody is parsed: link text kept, no tag or URL in the body."""
    article = _extract(pages, "json-ld-markup")
    assert len(article.paragraphs) == 3
    assert all("<" not in text and "href" not in text for text in article.paragraphs)
    assert "their tickets stay valid" in article.paragraphs[1]


def test_a_data_table_keeps_its_rows_and_its_caption_stays_a_caption(
    pages: dict[str, Page],
) -> None:
    """Each table row is one paragraph with its cells apart; the figure caption is a caption."""
    article = _extract(pages, "data-table")
    assert "Riverside | Labour | 3,118 | 61%" in article.paragraphs
    assert article.captions == ("Source: Hillside electoral office",)


def test_a_body_split_by_an_ad_is_read_whole_in_order(pages: dict[str, Page]) -> None:
    """Three chunks of the same kind around an ad and a figure give every paragraph, in order,
    and none of the sidebar."""
    article = _extract(pages, "split-body")
    assert article.paragraphs == tuple(pages["split-body"].gold_body.split("\n\n"))
    assert not any("Westbury Courier is published" in text for text in article.paragraphs)


@pytest.mark.parametrize(
    ("page_id", "words"),
    [("cjk-latin", "第一章 Background"), ("cjk-latin", "あります。 The city says")],
)
def test_cjk_and_latin_words_stay_apart(pages: dict[str, Page], page_id: str, words: str) -> None:
    """Words the markup sets apart (a <div> inside a heading, a <br>) are not glued together."""
    assert any(words in text for text in _extract(pages, page_id).paragraphs)


def test_the_post_under_the_visible_headline_beats_a_longer_next_post(
    pages: dict[str, Page],
) -> None:
    """On an endless page the short post under the <h1> is the article, not the longer next
    post below it (whose linked <h2> also stops it being merged in as a chunk)."""
    article = _extract(pages, "next-post-below")
    assert article.headline == "Town hall clock stops after storm"
    assert len(article.paragraphs) == 3
    assert not any("market hall" in text for text in article.paragraphs)


def test_json_ld_article_body_overrules_a_longer_stream_of_teasers(
    pages: dict[str, Page],
) -> None:
    """When the extracted text is absent from the page's own JSON-LD articleBody, only the
    paragraphs that articleBody contains vote, so the short article beats the teaser stream."""
    article = _extract(pages, "json-ld-says-otherwise")
    assert article.paragraphs[0].startswith("The public swimming pool reopened")
    assert not any("bakery" in text for text in article.paragraphs)


@pytest.mark.parametrize(
    ("page_id", "chrome"),
    [
        ("russian-gallery", ("Фото 1 из 12", "Читайте также", "Реклама", "Комментарии (12)")),
        ("chinese-portal", ("原标题", "责任编辑", "分享到", "跟贴")),
        ("japanese-split", ("この記事をシェアする", "有料会員限定")),
        ("korean-script-text", ("googletag", "무단전재", "관련기사", "기자")),
        ("french-gallery", ("Photo 1 sur 8", "Agrandir", "Crédit photo", "Voir plus")),
        ("spanish-widgets", ("Última hora", "Lo más visto", "Apoya el periodismo")),
    ],
)
def test_chrome_in_other_scripts_and_languages_is_in_no_field(
    pages: dict[str, Page], page_id: str, chrome: tuple[str, ...]
) -> None:
    """Slide counters, "read also", source and editor notes, share labels and wire notices in
    Russian, Chinese, Japanese, Korean, French and Spanish are neither body nor caption."""
    article = _extract(pages, page_id)
    every_field = " ".join((*article.paragraphs, *article.captions))
    for text in chrome:
        assert text not in every_field


def test_a_caption_paragraph_beside_a_photo_is_a_caption_not_body(pages: dict[str, Page]) -> None:
    """``<div class="photo"><img><p class="caption">`` between two chunks of a split body."""
    article = _extract(pages, "japanese-split")
    assert "建設が進む敦賀駅（写真＝共同）" in article.captions
    assert len(article.paragraphs) == 5


def test_escaped_json_ld_markup_is_parsed_once_and_never_shown(pages: dict[str, Page]) -> None:
    """``&lt;p&gt;`` in articleBody is markup: its paragraphs are text, its ad script is not."""
    article = _extract(pages, "json-ld-escaped")
    assert len(article.paragraphs) == 4
    body = " ".join(article.paragraphs)
    assert "<" not in body and "&lt;" not in body and "loadAd" not in body
    assert "fifth year & need more pruning" in body


def test_a_logo_heading_linked_home_is_not_the_headline(pages: dict[str, Page]) -> None:
    """The site's ``<h1><a href="/">`` and a promo ``<h1>`` lose to the title without the
    application-name."""
    assert _extract(pages, "logo-h1-headline").headline == (
        "Trois jours à vélo le long du canal du Midi"
    )


def test_a_caption_named_in_portuguese_is_a_caption(pages: dict[str, Page]) -> None:
    """``p.legenda`` beside an image is the photo's caption (as ``p.caption`` is), not a
    paragraph between two of the article's sentences."""
    article = _extract(pages, "legenda-captions")
    assert article.captions == (
        "Moradores atravessam a avenida principal alagada na manhã desta terça-feira. "
        "Foto: Carlos Souza",
    )
    assert len(article.paragraphs) == 5


def test_a_caption_span_beside_an_image_is_only_a_caption(pages: dict[str, Page]) -> None:
    """``<div class="foto"><img><span class="caption">``: the span is the photo's caption, and
    the body walk, which reads spans as parts of a line, leaves it out of the body."""
    article = _extract(pages, "span-caption")
    assert "Schipper Henk de Vries aan het roer van de gerepareerde pont." in article.captions
    assert not any("Schipper" in paragraph for paragraph in article.paragraphs)


def test_robots_nocontent_text_and_an_author_box_biography_are_in_no_field(
    pages: dict[str, Page],
) -> None:
    """Jetpack's ``robots-nocontent`` lines and a Simple Author Box biography longer than the
    post: the post wins, and neither is read as body, caption or heading."""
    article = _extract(pages, "jetpack-author-box")
    assert len(article.paragraphs) == 3
    every_field = " ".join(
        (*article.paragraphs, *article.captions, *article.headings, article.subheadline)
    )
    for text in ("This slideshow requires JavaScript.", "chip in", "Share this", "Whitfield has"):
        assert text not in every_field


def test_wordpress_furniture_set_as_paragraphs_is_in_no_field(pages: dict[str, Page]) -> None:
    """A bare slide counter, embed and slideshow fallbacks, an entry footer and a comment form
    set as plain ``<p>`` in a 2018 WordPress post: only the three article paragraphs remain."""
    article = _extract(pages, "wordpress-furniture-2018")
    assert len(article.paragraphs) == 3
    every_field = " ".join((*article.paragraphs, *article.captions, *article.headings))
    for text in ("1 of 6", "slideshow", "Getty", "Posted in", "logged in", "email address"):
        assert text not in every_field


def test_a_body_wrapper_marked_robots_nocontent_is_still_the_body(pages: dict[str, Page]) -> None:
    """The post's own wrapper carries Jetpack's ``robots-nocontent``: its four paragraphs are
    the body (it came back empty), not the visible "About" text widget beside it."""
    article = _extract(pages, "wordpress-nocontent-wrapper")
    assert len(article.paragraphs) == 4
    assert article.paragraphs[0].startswith("On Tuesday morning the mill pond")
    assert not any("retired teacher" in text for text in article.paragraphs)


def test_arabic_chrome_lines_are_in_no_field(pages: dict[str, Page]) -> None:
    """ "Read also" teasers, the source line, the share call and the tag line written in
    Arabic leave the body; the caption is a caption."""
    article = _extract(pages, "arabic-widgets")
    assert len(article.paragraphs) == 4
    assert article.captions == ("الحافلة الكهربائية الأولى أثناء تجربتها في شارع الجامعة",)
    body = " ".join(article.paragraphs)
    for text in ("اقرأ أيضا", "المصدر", "شارك", "الوسوم", "الأكثر قراءة"):
        assert text not in body


def test_drupal_fields_with_hidden_labels_are_read_and_the_standfirst_is_a_field(
    pages: dict[str, Page],
) -> None:
    """Every Drupal field says ``field--label-hidden`` (its label is hidden, not the field):
    the short last text item is kept; the standfirst the description repeats is the
    subheadline, not a paragraph; the most-read and donation items are in no field."""
    article = _extract(pages, "drupal8-paragraphs")
    assert len(article.paragraphs) == 5
    assert article.paragraphs[-1].startswith("The council will now apply")
    assert article.subheadline == "The halt closed in 1964; trains could stop there again by 2021."
    every_field = " ".join((*article.paragraphs, *article.captions, *article.headings))
    for text in ("Most read", "favourite stories", "Local journalism costs money", "Photo:"):
        assert text not in every_field


def test_comment_sections_named_in_french_and_russian_leave_the_article(
    pages: dict[str, Page],
) -> None:
    """Readers' reactions (``section.reactions``) and a discussion (``div.obsuzhdenie``) longer
    than the short article inside the same ``<article>``: only the article is the body."""
    for page_id, comment in (
        ("french-amp-reactions", "Deux ans sans pouvoir nager"),
        ("russian-comments-tags", "Были вчера с детьми"),
    ):
        article = _extract(pages, page_id)
        assert len(article.paragraphs) == 3
        assert not any(comment in text for text in article.paragraphs)


def test_ranking_and_support_widgets_inside_the_body_are_in_no_field(
    pages: dict[str, Page],
) -> None:
    """An access ranking's title (``p-ranking``) and a donation module (``support-module``)
    set inside the body: neither is a paragraph or a heading."""
    japanese = _extract(pages, "japanese-ranking")
    assert "アクセスランキング" not in (*japanese.paragraphs, *japanese.headings)
    radio = _extract(pages, "brightspot-enhancements")
    assert not any("nonprofit newsroom" in text for text in radio.paragraphs)


def test_a_byline_with_a_bare_date_and_a_german_share_line_leave_the_body(
    pages: dict[str, Page],
) -> None:
    """ "Von Markus Brandt | 18.10.2018, 14:22 Uhr" and "Artikel teilen: Facebook Twitter
    WhatsApp"; the hidden print copy counts once."""
    article = _extract(pages, "german-print-copy")
    assert len(article.paragraphs) == len(set(article.paragraphs)) == 5
    assert not any(text.startswith(("Von ", "Artikel teilen")) for text in article.paragraphs)


def test_wordpress_plugin_labels_in_unnamed_wrappers_are_in_no_field(
    pages: dict[str, Page],
) -> None:
    """A share box's "Spread the love", Print Friendly's button and a star-rating widget's
    prompts and counts, in wrappers whose classes name no chrome: only the post remains."""
    article = _extract(pages, "wordpress-plugins-2018")
    assert len(article.paragraphs) == 5
    every_field = " ".join((*article.paragraphs, *article.captions, *article.headings))
    for text in ("Spread the love", "Print Friendly", "rate it", "Vote count", "not useful"):
        assert text not in every_field


@pytest.mark.parametrize(
    ("page_id", "byline"),
    [
        ("arabic-widgets", "سامر الخطيب"),  # "بقلم: ..." in span.post-meta-author
        ("drupal8-paragraphs", "Helen Marsh"),  # "By ..." in a span of div.node__meta
        ("brightspot-enhancements", "Dana Ortiz"),  # camelCase ArticlePage-authorName
        ("german-print-copy", "Markus Brandt"),  # "Von ... | 18.10.2018, 14:22 Uhr"
        ("portuguese-code", "Rafael Souza"),  # a rel=author link outside any paragraph
        ("wordpress-plugins-2018", "Meg"),  # span.byline "by Meg"
        ("joomla-details", "Karl Weber"),  # "Geschrieben von ..."
        ("german-chrome", "Anna Müller"),  # a plain <p>Von Anna Müller</p> the body leaves out
        ("spanish-widgets", "Carmen Ruiz"),  # div.articulo-firma "Por Carmen Ruiz"
    ],
)
def test_the_byline_the_page_shows_is_the_byline_field(
    pages: dict[str, Page], page_id: str, byline: str
) -> None:
    """A byline set in a meta line, an author-named element or an author link outside any
    paragraph is the byline field, without its prefix and its date; it is not in the body."""
    article = _extract(pages, page_id)
    assert article.byline == byline
    assert not any(byline in text and len(text) < 80 for text in article.paragraphs)


def test_the_date_on_a_byline_line_is_the_publication_date(pages: dict[str, Page]) -> None:
    """ "Von Markus Brandt | 18.10.2018, 14:22 Uhr" with no date in the metadata: the name is the
    byline, the date the publication date."""
    article = _extract(pages, "german-print-copy")
    assert (article.byline, article.published) == ("Markus Brandt", "18.10.2018, 14:22 Uhr")

/*
 * The Campaign statistics page, shown on the pocc_campaign form: the key figures,
 * a bar chart of sends, opens, clicks, bounces and opt-outs drawn as inline SVG, and
 * the most clicked links.
 *
 * The campaign is found from the form (setClientApiContext, the form's Xrm.Page) or
 * from the `id` parameter Dynamics 365 passes to a web resource when asked to.
 */
(function (root) {
  "use strict";

  const Pocc = root.Pocc;
  const Common = Pocc.Common;
  const { Level } = Common;

  const SVG = "http://www.w3.org/2000/svg";
  const TOP_LINKS = 10;
  const CAMPAIGN_COLUMNS = [
    "pocc_name",
    "pocc_sends",
    "pocc_opens",
    "pocc_uniqueopens",
    "pocc_clicks",
    "pocc_uniqueclicks",
    "pocc_bounces",
    "pocc_optouts",
    "pocc_forwards",
    "pocc_abusereports",
    "pocc_didnotopens",
    "pocc_openrate",
    "pocc_clickrate",
    "pocc_lastsynchronizedon",
  ].join(",");

  const chart = { width: 520, labelWidth: 96, valueWidth: 110, barHeight: 24, gap: 10 };
  const page = { formContext: null };

  function find(document) {
    const byId = (id) => document.getElementById(id);
    Object.assign(page, {
      document,
      status: byId("pocc-status"),
      section: byId("pocc-statistics"),
      figures: byId("pocc-figures"),
      chart: byId("pocc-chart"),
      caption: byId("pocc-chart-caption"),
      moreFigures: byId("pocc-more-figures"),
      links: document.querySelector("#pocc-links tbody"),
      noLinks: byId("pocc-no-links"),
      synchronized: byId("pocc-synchronized"),
    });
  }

  function showStatus(level, message) {
    page.status.hidden = false;
    page.status.className = `pocc-status pocc-${level === Level.error ? "error" : "info"}`;
    page.status.textContent = message;
  }

  /** The campaign's id from the form, or from the page's parameters. */
  function campaignId() {
    const search = new URLSearchParams(root.location.search);
    const data = new URLSearchParams(search.get("data") || "");
    const fromUrl = search.get("id") || data.get("id");

    if (page.formContext) {
      return Common.cleanId(page.formContext.data.entity.getId()) || Common.cleanId(fromUrl);
    }

    if (fromUrl) {
      return Common.cleanId(fromUrl);
    }

    try {
      return Common.cleanId(Common.xrm().Page.data.entity.getId());
    } catch (noForm) {
      return "";
    }
  }

  const number = (value) => Number(value || 0);
  const formatted = (value) => number(value).toLocaleString("en-US");

  /** A rate as stored, or computed from unique counts over delivered emails. */
  function rate(stored, unique, campaign) {
    if (stored != null) {
      return `${Number(stored).toFixed(1)}%`;
    }

    const delivered = number(campaign.pocc_sends) - number(campaign.pocc_bounces);
    return delivered > 0 ? `${((100 * number(unique)) / delivered).toFixed(1)}%` : "–";
  }

  function figure(label, value, detail) {
    const box = page.document.createElement("div");
    box.className = "pocc-figure";
    const big = page.document.createElement("span");
    big.className = "pocc-figure-value";
    big.textContent = value;
    const name = page.document.createElement("span");
    name.className = "pocc-figure-label";
    name.textContent = label;
    box.append(big, name);

    if (detail) {
      const small = page.document.createElement("span");
      small.className = "pocc-figure-detail";
      small.textContent = detail;
      box.append(small);
    }

    return box;
  }

  function renderFigures(campaign) {
    page.figures.replaceChildren(
      figure("Sends", formatted(campaign.pocc_sends)),
      figure(
        "Open rate",
        rate(campaign.pocc_openrate, campaign.pocc_uniqueopens, campaign),
        `${formatted(campaign.pocc_uniqueopens)} contacts opened`,
      ),
      figure(
        "Click rate",
        rate(campaign.pocc_clickrate, campaign.pocc_uniqueclicks, campaign),
        `${formatted(campaign.pocc_uniqueclicks)} contacts clicked`,
      ),
      figure("Bounces", formatted(campaign.pocc_bounces)),
      figure("Opt-outs", formatted(campaign.pocc_optouts)),
    );
    page.moreFigures.textContent =
      `Opens counting repeats: ${formatted(campaign.pocc_opens)} · clicks counting repeats: ` +
      `${formatted(campaign.pocc_clicks)} · forwards: ${formatted(campaign.pocc_forwards)} · ` +
      `spam reports: ${formatted(campaign.pocc_abusereports)} · did not open: ${formatted(campaign.pocc_didnotopens)}`;
  }

  function svgElement(name, attributes, text) {
    const element = page.document.createElementNS(SVG, name);
    Object.entries(attributes).forEach(([key, value]) => element.setAttribute(key, String(value)));

    if (text !== undefined) {
      element.textContent = text;
    }

    return element;
  }

  /** Horizontal bars on one scale (the largest value), so they compare at a glance. */
  function renderChart(campaign) {
    const bars = [
      ["Sends", campaign.pocc_sends, "pocc-bar-sends"],
      ["Opens", campaign.pocc_uniqueopens, "pocc-bar-opens"],
      ["Clicks", campaign.pocc_uniqueclicks, "pocc-bar-clicks"],
      ["Bounces", campaign.pocc_bounces, "pocc-bar-bounces"],
      ["Opt-outs", campaign.pocc_optouts, "pocc-bar-optouts"],
    ].map(([label, value, className]) => ({ label, value: number(value), className }));
    const largest = Math.max(...bars.map((bar) => bar.value));
    const track = chart.width - chart.labelWidth - chart.valueWidth;
    const height = bars.length * (chart.barHeight + chart.gap);
    const summary = bars.map((bar) => `${bar.label} ${formatted(bar.value)}`).join(", ");
    const svg = svgElement("svg", {
      viewBox: `0 0 ${chart.width} ${height}`,
      width: "100%",
      role: "img",
      "aria-label": summary,
      class: "pocc-bars",
    });
    svg.append(svgElement("title", {}, summary));

    bars.forEach((bar, index) => {
      const y = index * (chart.barHeight + chart.gap);
      const width = largest > 0 ? Math.round((track * bar.value) / largest) : 0;
      const middle = y + chart.barHeight / 2;
      svg.append(
        svgElement(
          "text",
          { x: 0, y: middle, "dominant-baseline": "middle", class: "pocc-bar-label" },
          bar.label,
        ),
        svgElement("rect", {
          x: chart.labelWidth,
          y,
          width: track,
          height: chart.barHeight,
          class: "pocc-bar-track",
        }),
        svgElement("rect", {
          x: chart.labelWidth,
          y,
          width,
          height: chart.barHeight,
          class: `pocc-bar ${bar.className}`,
        }),
        svgElement(
          "text",
          {
            x: chart.labelWidth + track + 8,
            y: middle,
            "dominant-baseline": "middle",
            class: "pocc-bar-value",
          },
          formatted(bar.value),
        ),
      );
    });

    page.chart.replaceChildren(svg);
    page.caption.textContent =
      largest > 0
        ? "Opens and clicks count contacts, once each."
        : "Nothing has been sent yet: the chart fills in after the first send.";
  }

  function linkCell(url) {
    const cell = page.document.createElement("td");
    const text = String(url || "");

    if (/^https?:\/\//i.test(text)) {
      const anchor = page.document.createElement("a");
      anchor.href = text;
      anchor.target = "_blank";
      anchor.rel = "noopener noreferrer";
      anchor.textContent = text;
      cell.append(anchor);
    } else {
      cell.textContent = text;
    }

    return cell;
  }

  function numberCell(value) {
    const cell = page.document.createElement("td");
    cell.className = "pocc-number";
    cell.textContent = formatted(value);
    return cell;
  }

  function renderLinks(links) {
    page.links.replaceChildren(
      ...links.map((link) => {
        const row = page.document.createElement("tr");
        row.append(
          linkCell(link.pocc_url || link.pocc_name),
          numberCell(link.pocc_clicks),
          numberCell(link.pocc_uniqueclicks),
        );
        return row;
      }),
    );
    page.noLinks.hidden = links.length > 0;
  }

  async function readStatistics(id) {
    const webApi = Common.xrm().WebApi;
    const [campaign, links] = await Promise.all([
      webApi.retrieveRecord("pocc_campaign", id, `?$select=${CAMPAIGN_COLUMNS}`),
      webApi.retrieveMultipleRecords(
        "pocc_emaillink",
        `?$select=pocc_name,pocc_url,pocc_clicks,pocc_uniqueclicks&$filter=_pocc_campaignid_value eq ${id}` +
          `&$orderby=pocc_clicks desc,pocc_uniqueclicks desc,pocc_url asc&$top=${TOP_LINKS}`,
      ),
    ]);
    return { campaign, links: links.entities };
  }

  /** Reads and shows the campaign's statistics; false when there is nothing to show. */
  async function load() {
    const id = campaignId();

    if (!id) {
      showStatus(Level.info, "Statistics appear here once the campaign is saved and synchronized.");
      return false;
    }

    try {
      const { campaign, links } = await readStatistics(id);
      renderFigures(campaign);
      renderChart(campaign);
      renderLinks(links);
      page.synchronized.textContent = campaign.pocc_lastsynchronizedon
        ? `Statistics as of ${new Date(campaign.pocc_lastsynchronizedon).toISOString().slice(0, 16).replace("T", " ")} UTC.`
        : "Not synchronized yet.";
      page.section.hidden = false;
      page.status.hidden = true;
      return true;
    } catch (error) {
      showStatus(
        Level.error,
        Common.describeDataverseError(error, "read the campaign's statistics"),
      );
      return false;
    }
  }

  /** Called by the form (getContentWindow) to hand over its context; reloads. */
  function setClientApiContext(xrm, formContext) {
    root.Xrm = root.Xrm || xrm;
    page.formContext = formContext;
    return load();
  }

  function start(document) {
    find(document);
    return load();
  }

  root.setClientApiContext = setClientApiContext;
  Pocc.StatisticsPage = { start, load, setClientApiContext };
  Pocc.StatisticsPage.ready = start(root.document);
})(globalThis);

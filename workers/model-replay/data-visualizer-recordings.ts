// The seed's third example (the multi-agent DataVisualizer), offline: the model turns and the
// search answer are written here by hand, in the shapes a real model and Bing Web Search v7
// give (this machine cannot reach either to record them). Each is labelled as a recording
// wherever it is shown. The GDP figures are the World Bank's (current US$, trillions, rounded).

/** The seed's question. */
export const DATA_VISUALIZER_QUESTION =
  "Fetch the China's GDP over the past 5 years, then draw a line graph of it. Once you code it up, finish.";

export const DATA_VISUALIZER_SEARCH_QUERY = 'China GDP 2019 2020 2021 2022 2023 World Bank';

/** The researcher's and the charter's turns, in the order the model is asked. Each ends where a stop word stopped it. */
export const DATA_VISUALIZER_REPLIES = {
  researcherSearch:
    'I will look the figures up.\n```json\n' +
    `{"name": "WebBrowser.search", "parameters": {"query": "${DATA_VISUALIZER_SEARCH_QUERY}"}}\n`,
  researcherData:
    "The World Bank gives China's GDP in current US$ (trillions) as: 2019: 14.28, 2020: 14.69, 2021: 17.82, 2022: 17.88, 2023: 17.79. " +
    'These are the data for the chart generator.',
  charterCode:
    'I will draw the line graph.\n```python\n' +
    'import matplotlib.pyplot as plt\n' +
    'years = [2019, 2020, 2021, 2022, 2023]\n' +
    'gdp = [14.28, 14.69, 17.82, 17.88, 17.79]\n' +
    'plt.figure(figsize=(6, 4))\n' +
    "plt.plot(years, gdp, marker='o')\n" +
    'plt.title("China\'s GDP, 2019-2023")\n' +
    "plt.xlabel('Year')\n" +
    "plt.ylabel('GDP (trillion US$)')\n" +
    'plt.xticks(years)\n' +
    'plt.show()\n' +
    "print('plotted', len(years), 'years')",
  charterFinish: "Final Answer: the line graph of China's GDP from 2019 to 2023 is drawn above.",
} as const;

/** A Bing Web Search v7 answer to DATA_VISUALIZER_SEARCH_QUERY, in Bing's documented shape. */
export const DATA_VISUALIZER_BING_ANSWER = {
  _type: 'SearchResponse',
  queryContext: { originalQuery: DATA_VISUALIZER_SEARCH_QUERY },
  webPages: {
    webSearchUrl: 'https://www.bing.com/search?q=China+GDP+World+Bank',
    totalEstimatedMatches: 1240000,
    value: [
      {
        id: 'https://api.bing.microsoft.com/api/v7/#WebPages.0',
        name: 'GDP (current US$) - China | Data - World Bank',
        url: 'https://data.worldbank.org/indicator/NY.GDP.MKTP.CD?locations=CN',
        displayUrl: 'https://data.worldbank.org/indicator/NY.GDP.MKTP.CD?locations=CN',
        snippet:
          'GDP (current US$) - China. 2019: 14.28 trillion; 2020: 14.69 trillion; 2021: 17.82 trillion; 2022: 17.88 trillion; 2023: 17.79 trillion.',
        dateLastCrawled: '2024-11-02T08:15:00.0000000Z',
        language: 'en',
        isNavigational: false,
      },
      {
        id: 'https://api.bing.microsoft.com/api/v7/#WebPages.1',
        name: 'China GDP growth (annual %) | Data - World Bank',
        url: 'https://data.worldbank.org/indicator/NY.GDP.MKTP.KD.ZG?locations=CN',
        displayUrl: 'https://data.worldbank.org/indicator/NY.GDP.MKTP.KD.ZG?locations=CN',
        snippet: 'GDP growth (annual %) - China from The World Bank: Data.',
        dateLastCrawled: '2024-10-28T12:40:00.0000000Z',
        language: 'en',
        isNavigational: false,
      },
    ],
  },
  rankingResponse: {
    mainline: {
      items: [
        {
          answerType: 'WebPages',
          resultIndex: 0,
          value: { id: 'https://api.bing.microsoft.com/api/v7/#WebPages.0' },
        },
        {
          answerType: 'WebPages',
          resultIndex: 1,
          value: { id: 'https://api.bing.microsoft.com/api/v7/#WebPages.1' },
        },
      ],
    },
  },
} as const;

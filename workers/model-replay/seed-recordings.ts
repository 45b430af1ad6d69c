// Model turns recorded in Lagent's README (the seed), replayed by the scripted model server
// when no real model is configured. Each is labelled as a recording wherever it is shown.

/** The seed's "Models as Agents" example: a one-character answer. */
export const SEED_SINGLE_AGENT = {
  systemPrompt: '你的回答只能从“典”、“孝”、“急”三个字中选一个。',
  user: '今天天气情况',
  reply: '急',
} as const;

/** The seed's few-shot aggregator example. */
export const SEED_FEWSHOT = {
  fewShot: [
    { role: 'user', content: '今天天气' },
    { role: 'assistant', content: '【晴】' },
  ],
  user: '昨天天气',
  reply: '【多云转晴,夜间有轻微降温】',
} as const;

/**
 * The seed's ToolParser example: the model's reply up to the stop word '\n```\n' (the
 * server stopped there), and what the parser made of it.
 */
export const SEED_TOOL_PARSER = {
  systemPrompt: '逐步分析并编写Python代码解决以下问题。',
  user: 'Marie is thinking of a multiple of 63, while Jay is thinking of a factor of 63. They happen to be thinking of the same number. There are two possibilities for the number that each of them is thinking of, one positive and one negative. Find the product of these two numbers.',
  reply:
    '首先,我们需要找出63的所有正因数和负因数。63的正因数可以通过分解63的质因数来找出,即\\(63 = 3^2 \\times 7\\)。因此,63的正因数包括1, 3, 7, 9, 21, 和 63。对于负因数,我们只需将上述正因数乘以-1。\n\n接下来,我们需要找出与63的正因数相乘的结果为63的数,以及与63的负因数相乘的结果为63的数。这可以通过将63除以每个正因数和负因数来实现。\n\n最后,我们将找到的两个数相乘得到最终答案。\n\n下面是Python代码实现:\n\n```python\ndef find_numbers():\n    # 正因数\n    positive_factors = [1, 3, 7, 9, 21, 63]\n    # 负因数\n    negative_factors = [-1, -3, -7, -9, -21, -63]\n    \n    # 找到与正因数相乘的结果为63的数\n    positive_numbers = [63 / factor for factor in positive_factors]\n    # 找到与负因数相乘的结果为63的数\n    negative_numbers = [-63 / factor for factor in negative_factors]\n    \n    # 计算两个数的乘积\n    product = positive_numbers[0] * negative_numbers[0]\n    \n    return product\n\nresult = find_numbers()\nprint(result)',
  formatted: {
    toolType: 'code interpreter',
    thought:
      '首先,我们需要找出63的所有正因数和负因数。63的正因数可以通过分解63的质因数来找出,即\\(63 = 3^2 \\times 7\\)。因此,63的正因数包括1, 3, 7, 9, 21, 和 63。对于负因数,我们只需将上述正因数乘以-1。\n\n接下来,我们需要找出与63的正因数相乘的结果为63的数,以及与63的负因数相乘的结果为63的数。这可以通过将63除以每个正因数和负因数来实现。\n\n最后,我们将找到的两个数相乘得到最终答案。\n\n下面是Python代码实现:\n\n',
    action:
      'def find_numbers():\n    # 正因数\n    positive_factors = [1, 3, 7, 9, 21, 63]\n    # 负因数\n    negative_factors = [-1, -3, -7, -9, -21, -63]\n    \n    # 找到与正因数相乘的结果为63的数\n    positive_numbers = [63 / factor for factor in positive_factors]\n    # 找到与负因数相乘的结果为63的数\n    negative_numbers = [-63 / factor for factor in negative_factors]\n    \n    # 计算两个数的乘积\n    product = positive_numbers[0] * negative_numbers[0]\n    \n    return product\n\nresult = find_numbers()\nprint(result)',
    status: 1,
  },
  /** What the seed's IPythonInteractive printed for `action`. */
  executorContent: '3969.0',
} as const;

"""jsscore — scoring of the Jiangsu HRSS IT-work assessment (江苏省人社信息化工作考核评分)."""

__version__ = "0.1.0"
